# llmbench-report: attribution (redraw: gnuplot attribution.gp)
set terminal pngcairo size 900,600 noenhanced font ',10'
set output 'attribution.png'
set title 'attribution of the step-time gap, B against A (Shapley, multiplicative)'
set ylabel 'step time (s)'
set style fill solid 0.7 border -1
set grid y
set xtics rotate by 30 right
set yrange [0:*]
plot 'attribution.dat' using 1:(($3+$4)/2):($1-0.35):($1+0.35):3:4:xtic(2) with boxxyerror notitle
unset output
unset multiplot
reset
set terminal svg size 900,600 noenhanced font ',10'
set output 'attribution.svg'
set title 'attribution of the step-time gap, B against A (Shapley, multiplicative)'
set ylabel 'step time (s)'
set style fill solid 0.7 border -1
set grid y
set xtics rotate by 30 right
set yrange [0:*]
plot 'attribution.dat' using 1:(($3+$4)/2):($1-0.35):($1+0.35):3:4:xtic(2) with boxxyerror notitle
unset output
