module picos.bench/peer

go 1.19
