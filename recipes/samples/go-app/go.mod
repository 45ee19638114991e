module example.com/go-app

go 1.22

require github.com/mattn/go-runewidth v0.0.16

require github.com/rivo/uniseg v0.4.7 // indirect
