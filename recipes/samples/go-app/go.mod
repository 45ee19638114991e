module example.com/go-app

go 1.22

require example.com/wordcount v1.0.0
