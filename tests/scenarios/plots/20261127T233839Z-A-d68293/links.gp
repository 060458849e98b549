# llmbench-report: links (redraw: gnuplot links.gp)
set terminal pngcairo size 900,800 noenhanced font ',10'
set output 'links.png'
set title 'node-pair bandwidth (GB/s), 20261127T233839Z-A-d68293: row sends to column'
set xrange [-0.5:3.5]
set yrange [3.5:-0.5]
set palette rgbformulae 22,13,10
set cbrange [0:*]
set xtics ('llmbe-n0' 0, 'llmbe-n1' 1, 'llmbe-n2' 2, 'llmbe-n3' 3) rotate by 45 right
set ytics ('llmbe-n0' 0, 'llmbe-n1' 1, 'llmbe-n2' 2, 'llmbe-n3' 3)
plot 'links.dat' matrix with image notitle, '' matrix using 1:2:(sprintf('%.3g', $3)) with labels notitle
unset output
unset multiplot
reset
set terminal svg size 900,800 noenhanced font ',10'
set output 'links.svg'
set title 'node-pair bandwidth (GB/s), 20261127T233839Z-A-d68293: row sends to column'
set xrange [-0.5:3.5]
set yrange [3.5:-0.5]
set palette rgbformulae 22,13,10
set cbrange [0:*]
set xtics ('llmbe-n0' 0, 'llmbe-n1' 1, 'llmbe-n2' 2, 'llmbe-n3' 3) rotate by 45 right
set ytics ('llmbe-n0' 0, 'llmbe-n1' 1, 'llmbe-n2' 2, 'llmbe-n3' 3)
plot 'links.dat' matrix with image notitle, '' matrix using 1:2:(sprintf('%.3g', $3)) with labels notitle
unset output
