package main

import (
	"runtime"
	"sync"
	"time"
)

// fanoutMessages is how many messages the publisher broadcasts in the fanout scenario.
const fanoutMessages = 100

// lockTasks is how many goroutines contend on the mutex in the lock scenario.
const lockTasks = 1000

// pingpong bounces an int n times between two goroutines over two unbuffered channels.
func pingpong(n uint64) ([]figure, error) {
	ping, pong := make(chan uint64), make(chan uint64)
	var wg sync.WaitGroup
	wg.Add(2)
	start := time.Now()
	go func() {
		for i := uint64(0); i < n; i++ {
			ping <- i
			<-pong
		}
		wg.Done()
	}()
	go func() {
		for i := uint64(0); i < n; i++ {
			pong <- <-ping
		}
		wg.Done()
	}()
	wg.Wait()
	return []figure{{"ns_per_roundtrip", float64(time.Since(start).Nanoseconds()) / float64(n)}}, nil
}

// fanout: n subscriber goroutines, each receiving from its own channel, which is buffered for
// every message so that it acts as a mailbox (the publisher never blocks, as with a picos
// channel). Timed from the first publish until every subscriber has received every message.
func fanout(n uint64) ([]figure, error) {
	var ready, done sync.WaitGroup
	ready.Add(int(n))
	done.Add(int(n))
	inboxes := make([]chan int, n)
	for i := range inboxes {
		inbox := make(chan int, fanoutMessages)
		inboxes[i] = inbox
		go func() {
			ready.Done()
			for k := 0; k < fanoutMessages; k++ {
				<-inbox
			}
			done.Done()
		}()
	}
	ready.Wait()
	start := time.Now()
	for m := 0; m < fanoutMessages; m++ {
		for _, inbox := range inboxes {
			inbox <- m
		}
	}
	done.Wait()
	deliveries := float64(n) * fanoutMessages
	return []figure{{"deliveries_per_s", deliveries / time.Since(start).Seconds()}}, nil
}

// lock: lockTasks goroutines each take one sync.Mutex n times and yield while holding it.
func lock(n uint64) ([]figure, error) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	wg.Add(lockTasks)
	start := time.Now()
	for t := 0; t < lockTasks; t++ {
		go func() {
			for i := uint64(0); i < n; i++ {
				mu.Lock()
				runtime.Gosched()
				mu.Unlock()
			}
			wg.Done()
		}()
	}
	wg.Wait()
	acquisitions := float64(n) * lockTasks
	return []figure{{"acquisitions_per_s", acquisitions / time.Since(start).Seconds()}}, nil
}
