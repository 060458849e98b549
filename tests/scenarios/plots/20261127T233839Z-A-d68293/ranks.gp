# llmbench-report: ranks (redraw: gnuplot ranks.gp)
set terminal pngcairo size 1000,800 noenhanced font ',10'
set output 'ranks.png'
set multiplot layout 2,1
set style fill solid 0.6
set boxwidth 0.4
set grid y
set xlabel 'rank'
set key outside right
set title 'per-rank compute: train compute per step (s), or the GEMM rate when there is no train phase'
set ylabel 'seconds / GFLOP/s'
plot 'ranks.dat' index 0 using ($1+-0.20):2 with boxes title 'A compute s', 'ranks.dat' index 1 using ($1+0.20):2 with boxes title 'B compute s'
set title 'lateness: fraction of steps in which the rank arrived last'
set ylabel 'fraction'
set yrange [0:1]
plot 'ranks.dat' index 0 using ($1+-0.20):3 with boxes title 'A last arrival', 'ranks.dat' index 1 using ($1+0.20):3 with boxes title 'B last arrival'
unset multiplot
unset output
unset multiplot
reset
set terminal svg size 1000,800 noenhanced font ',10'
set output 'ranks.svg'
set multiplot layout 2,1
set style fill solid 0.6
set boxwidth 0.4
set grid y
set xlabel 'rank'
set key outside right
set title 'per-rank compute: train compute per step (s), or the GEMM rate when there is no train phase'
set ylabel 'seconds / GFLOP/s'
plot 'ranks.dat' index 0 using ($1+-0.20):2 with boxes title 'A compute s', 'ranks.dat' index 1 using ($1+0.20):2 with boxes title 'B compute s'
set title 'lateness: fraction of steps in which the rank arrived last'
set ylabel 'fraction'
set yrange [0:1]
plot 'ranks.dat' index 0 using ($1+-0.20):3 with boxes title 'A last arrival', 'ranks.dat' index 1 using ($1+0.20):3 with boxes title 'B last arrival'
unset multiplot
unset output
