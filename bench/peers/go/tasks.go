package main

import (
	"runtime"
	"sync"
	"time"
)

// churnBatch is the most tasks alive at once in the churn scenario (the same in every program).
const churnBatch = 1000

// scale spawns n goroutines that each park on their own channel, then wakes them all.
// park_s runs from the first spawn until every goroutine has reported in just before its
// receive; resume_s from the first wake-up until every goroutine has finished.
func scale(n uint64) ([]figure, error) {
	var parked, done sync.WaitGroup
	parked.Add(int(n))
	done.Add(int(n))
	before, err := rssKiB()
	if err != nil {
		return nil, err
	}
	start := time.Now()
	gates := make([]chan struct{}, n)
	for i := range gates {
		gate := make(chan struct{})
		gates[i] = gate
		go func() {
			parked.Done()
			<-gate
			done.Done()
		}()
	}
	parked.Wait()
	parkS := time.Since(start).Seconds()
	after, err := rssKiB()
	if err != nil {
		return nil, err
	}
	start = time.Now()
	for _, gate := range gates {
		gate <- struct{}{}
	}
	done.Wait()
	resumeS := time.Since(start).Seconds()
	return []figure{{"park_s", parkS}, {"resume_s", resumeS}, {"rss_kib_per_task", kibPerTask(before, after, n)}}, nil
}

// churn runs n empty goroutines in batches of churnBatch: spawn a batch, wait for all of it.
func churn(n uint64) ([]figure, error) {
	var wg sync.WaitGroup
	start := time.Now()
	for spawned := uint64(0); spawned < n; {
		batch := n - spawned
		if batch > churnBatch {
			batch = churnBatch
		}
		wg.Add(int(batch))
		for i := uint64(0); i < batch; i++ {
			go wg.Done()
		}
		wg.Wait()
		spawned += batch
	}
	return []figure{{"tasks_per_s", float64(n) / time.Since(start).Seconds()}}, nil
}

// switchRoundTrips runs two goroutines that each yield n times; one round trip is one yield of
// each, so it costs two trips through the scheduler.
func switchRoundTrips(n uint64) ([]figure, error) {
	var wg sync.WaitGroup
	wg.Add(2)
	yielder := func() {
		for i := uint64(0); i < n; i++ {
			runtime.Gosched()
		}
		wg.Done()
	}
	start := time.Now()
	go yielder()
	go yielder()
	wg.Wait()
	return []figure{{"ns_per_roundtrip", float64(time.Since(start).Nanoseconds()) / float64(n)}}, nil
}
