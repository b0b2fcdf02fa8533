// Command peer is the Go side of picos-bench: it runs one scenario with goroutines and prints the
// one-line JSON protocol of bench/common/protocol.hpp. picos-bench runs it with GOMAXPROCS=1 (impl
// "go") and with the runtime default (impl "go-allcores").
//
// Usage: peer <scenario> <impl> <n>
//
// Memory rule (the same in every program of the harness, see bench/common/meter.hpp): VmRSS
// from /proc/self/status, read right before the first goroutine is spawned and again when all of
// them are parked, while the channels needed to resume them are still held. No runtime.GC() or
// debug.FreeOSMemory() before either reading, because the C++ programs have no such step.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// figure is one named measurement; the unit is part of the name (park_s, tasks_per_s...).
type figure struct {
	name  string
	value float64
}

type scenarioFunc func(n uint64) ([]figure, error)

var scenarios = map[string]scenarioFunc{
	"scale":    scale,
	"churn":    churn,
	"switch":   switchRoundTrips,
	"pingpong": pingpong,
	"fanout":   fanout,
	"lock":     lock,
}

// rssKiB returns VmRSS of this process in KiB; an error when it cannot be read, so that no figure
// is ever computed from a missing reading.
func rssKiB() (int64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "VmRSS:" {
			return strconv.ParseInt(fields[1], 10, 64)
		}
	}
	return 0, errors.New("no VmRSS in /proc/self/status")
}

// kibPerTask is the RSS growth per task between two rssKiB readings.
func kibPerTask(before, after int64, n uint64) float64 {
	return float64(after-before) / float64(n)
}

// quote renders s as a JSON string literal.
func quote(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		return "\"?\""
	}
	return string(b)
}

func printResult(scenario, impl string, n uint64, figures []figure) {
	var b strings.Builder
	fmt.Fprintf(&b, "{\"scenario\":%s,\"impl\":%s,\"n\":%d", quote(scenario), quote(impl), n)
	for _, f := range figures {
		fmt.Fprintf(&b, ",%s:%s", quote(f.name), strconv.FormatFloat(f.value, 'g', 9, 64))
	}
	b.WriteString("}\n")
	os.Stdout.WriteString(b.String())
}

func printError(scenario, impl, what string) {
	fmt.Printf("{\"scenario\":%s,\"impl\":%s,\"error\":%s}\n", quote(scenario), quote(impl), quote(what))
}

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintf(os.Stderr, "usage: %s <scenario> <impl> <n>\n", os.Args[0])
		os.Exit(2)
	}
	scenario, impl := os.Args[1], os.Args[2]
	n, err := strconv.ParseUint(os.Args[3], 10, 64)
	if err != nil || n == 0 {
		fmt.Fprintf(os.Stderr, "bad n: %s\n", os.Args[3])
		os.Exit(2)
	}
	run, ok := scenarios[scenario]
	if !ok {
		printError(scenario, impl, "scenario not implemented by this program")
		os.Exit(2)
	}
	figures, err := run(n)
	if err != nil {
		printError(scenario, impl, err.Error())
		os.Exit(1)
	}
	printResult(scenario, impl, n, figures)
}
