# llmbench-report: busbw (redraw: gnuplot busbw.gp)
set terminal pngcairo size 1000,600 noenhanced font ',10'
set output 'busbw.png'
set logscale x 2
set format x '%.0b %BB'
set xlabel 'message size (bytes, nccl-tests convention)'
set ylabel 'busbw (GB/s)'
set grid
set key outside right
set title 'bus bandwidth by collective and communicator'
plot 'busbw.dat' index 0 using 1:2 with linespoints dt 1 title 'A allreduce world out', \
     'busbw.dat' index 1 using 1:2 with linespoints dt 1 title 'A allreduce world in', \
     'busbw.dat' index 2 using 1:2 with linespoints dt 1 title 'A allreduce inter out', \
     'busbw.dat' index 3 using 1:2 with linespoints dt 1 title 'A allreduce inter in', \
     'busbw.dat' index 4 using 1:2 with linespoints dt 2 title 'B allreduce world out', \
     'busbw.dat' index 5 using 1:2 with linespoints dt 2 title 'B allreduce world in', \
     'busbw.dat' index 6 using 1:2 with linespoints dt 2 title 'B allreduce inter out', \
     'busbw.dat' index 7 using 1:2 with linespoints dt 2 title 'B allreduce inter in'
unset output
unset multiplot
reset
set terminal svg size 1000,600 noenhanced font ',10'
set output 'busbw.svg'
set logscale x 2
set format x '%.0b %BB'
set xlabel 'message size (bytes, nccl-tests convention)'
set ylabel 'busbw (GB/s)'
set grid
set key outside right
set title 'bus bandwidth by collective and communicator'
plot 'busbw.dat' index 0 using 1:2 with linespoints dt 1 title 'A allreduce world out', \
     'busbw.dat' index 1 using 1:2 with linespoints dt 1 title 'A allreduce world in', \
     'busbw.dat' index 2 using 1:2 with linespoints dt 1 title 'A allreduce inter out', \
     'busbw.dat' index 3 using 1:2 with linespoints dt 1 title 'A allreduce inter in', \
     'busbw.dat' index 4 using 1:2 with linespoints dt 2 title 'B allreduce world out', \
     'busbw.dat' index 5 using 1:2 with linespoints dt 2 title 'B allreduce world in', \
     'busbw.dat' index 6 using 1:2 with linespoints dt 2 title 'B allreduce inter out', \
     'busbw.dat' index 7 using 1:2 with linespoints dt 2 title 'B allreduce inter in'
unset output
