// Command ioserver is the Go side of the I/O scenarios of picos-bench (echo and webserver). It is
// a server only: the C++ load-driver starts it (with GOMAXPROCS=1), pinned to one CPU, and drives
// the load. It listens on 127.0.0.1 (any free port) and prints "... listening on PORT".
//
// Usage: ioserver echo | http
//
//	echo: one goroutine per connection writes back whatever it reads (16 KiB buffer).
//	http: net/http answering every request with "pong" (keep-alive, as wrk expects).
package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
)

func listen() net.Listener {
	listener, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "ioserver:", err)
		os.Exit(1)
	}
	return listener
}

func echoConnection(conn net.Conn) {
	defer conn.Close()
	buffer := make([]byte, 16384)
	for {
		got, err := conn.Read(buffer)
		if got > 0 {
			if _, werr := conn.Write(buffer[:got]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func serveEcho() {
	listener := listen()
	fmt.Printf("echo server listening on %d\n", listener.Addr().(*net.TCPAddr).Port)
	for {
		conn, err := listener.Accept()
		if err != nil {
			fmt.Fprintln(os.Stderr, "ioserver:", err)
			os.Exit(1)
		}
		go echoConnection(conn) // Go sets TCP_NODELAY on TCP connections by default
	}
}

func serveHTTP() {
	listener := listen()
	fmt.Printf("http server listening on %d\n", listener.Addr().(*net.TCPAddr).Port)
	pong := []byte("pong")
	handler := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write(pong)
	})
	fmt.Fprintln(os.Stderr, "ioserver:", http.Serve(listener, handler))
	os.Exit(1)
}

func main() {
	if len(os.Args) != 2 || (os.Args[1] != "echo" && os.Args[1] != "http") {
		fmt.Fprintf(os.Stderr, "usage: %s echo | http\n", os.Args[0])
		os.Exit(2)
	}
	if os.Args[1] == "echo" {
		serveEcho()
	} else {
		serveHTTP()
	}
}
