# llmbench-report: steptime (redraw: gnuplot steptime.gp)
set terminal pngcairo size 900,600 noenhanced font ',10'
set output 'steptime.png'
set title 'step time decomposition (median rank)'
set ylabel 'seconds per step'
set style data histograms
set style histogram rowstacked
set style fill solid 0.8 border -1
set boxwidth 0.6
set key outside right autotitle columnheader
set grid y
plot for [c=2:7] 'steptime.dat' using c:xtic(1)
unset output
unset multiplot
reset
set terminal svg size 900,600 noenhanced font ',10'
set output 'steptime.svg'
set title 'step time decomposition (median rank)'
set ylabel 'seconds per step'
set style data histograms
set style histogram rowstacked
set style fill solid 0.8 border -1
set boxwidth 0.6
set key outside right autotitle columnheader
set grid y
plot for [c=2:7] 'steptime.dat' using c:xtic(1)
unset output
