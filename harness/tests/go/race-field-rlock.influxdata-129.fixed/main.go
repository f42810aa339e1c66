// Port of scenarios/race-field-rlock.influxdata-129.fixed.json (catalog race-field-rlock, fixed).
// influxdata/platform#129's fix: nextID takes the write lock, since it modifies c.lastID.
// Scenario expects: passes.
package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

const defaultIters = 100000

type QueryID uint64

type Controller struct {
	queriesMu  sync.RWMutex
	lastID     QueryID
	queries    map[QueryID]string
	newQueries chan QueryID
}

func (c *Controller) nextID() QueryID {
	sp()
	c.queriesMu.Lock()
	defer c.queriesMu.Unlock()
	ok := true
	for ok {
		sp()
		c.lastID++
		sp()
		_, ok = c.queries[c.lastID]
	}
	return c.lastID
}

func (c *Controller) Query(text string) QueryID {
	id := c.nextID()
	sp()
	c.newQueries <- id
	return id
}

func (c *Controller) run() {
	for range 2 {
		sp()
		id := <-c.newQueries
		sp()
		c.queriesMu.Lock()
		sp()
		c.queries[id] = "running"
		sp()
		c.queriesMu.Unlock()
	}
}

type world struct {
	c *Controller
}

func (w *world) run() { w.c.run() }

func (w *world) requestA() { w.c.Query(`from(bucket:"a")`) }

func (w *world) requestB() { w.c.Query(`from(bucket:"b")`) }

func runOnce() {
	w := &world{c: &Controller{queries: make(map[QueryID]string), newQueries: make(chan QueryID)}}
	threads(w.run, w.requestA, w.requestB)
}

func main() { run(defaultIters, runOnce) }

// ---------------------------------------------------------------------------
// Shared scaffolding, the same in every program of harness/tests/go (each program stays one
// self-contained file). Nothing below changes what the scenario's threads do.
// ---------------------------------------------------------------------------

// run repeats the scenario HAZARD_GO_ITERS times (default: def), so that a racy outcome shows;
// a panic or fatal error in any iteration ends the process, and that is the outcome. Then it
// reports the goroutines left behind, which Go itself is silent about.
func run(def int, once func()) {
	n := def
	if s := os.Getenv("HAZARD_GO_ITERS"); s != "" {
		if v, err := strconv.Atoi(s); err == nil && v > 0 {
			n = v
		}
	}
	for i := 0; i < n; i++ {
		once()
	}
	finish()
}

// threads is the scenario's main: it starts every top-level thread as a goroutine and waits
// for all of them (spawned goroutines are not waited for).
func threads(fs ...func()) {
	var wg sync.WaitGroup
	wg.Add(len(fs))
	for _, f := range fs {
		go func() {
			defer wg.Done()
			f()
		}()
	}
	wg.Wait()
}

// sp marks a scheduling point of the scenario (an op on an object, spawn, panic). It sometimes
// yields the processor and sometimes spins for a moment, so that the interleavings the
// harness explores also happen on the real scheduler. It touches no shared memory.
func sp() {
	switch rand.IntN(4) {
	case 0:
		runtime.Gosched()
	case 1:
		spin(rand.IntN(128))
	}
}

//go:noinline
func spin(n int) int {
	s := 0
	for i := 0; i < n; i++ {
		s += i
	}
	return s
}

// fail is a failed `assert` op (or final assertion): the line check.py looks for, exit 3.
func fail(thread, msg string) {
	fmt.Fprintf(os.Stderr, "hazard-go: assertion failed: %s\nhazard-go: assertion thread: %s\n", msg, thread)
	os.Exit(3)
}

// quoted prints a value as the harness does: strings quoted, nil as <nil>.
func quoted(v any) string {
	switch x := v.(type) {
	case nil:
		return "<nil>"
	case string:
		return strconv.Quote(x)
	case error:
		return strconv.Quote(x.Error())
	default:
		return fmt.Sprint(x)
	}
}

// truthy is the harness's truth: nil, false, 0 and "" are false.
func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case int:
		return x != 0
	case string:
		return x != ""
	default:
		return true
	}
}

// assertEq is `{"op": "assert", "var": name, "eq": want, "not": not, "message": msg}`.
func assertEq(thread, name string, got, want any, not bool, msg string) {
	if (got == want) != not {
		return
	}
	op := "=="
	if not {
		op = "!="
	}
	text := fmt.Sprintf("%s %s %s, got %s", name, op, quoted(want), quoted(got))
	if msg != "" {
		fail(thread, fmt.Sprintf("%s (%s)", msg, text))
	}
	fail(thread, "expected "+text)
}

// assertTrue is `{"op": "assert", "var": name, "not": not, "message": msg}`.
func assertTrue(thread, name string, got any, not bool, msg string) {
	if truthy(got) != not {
		return
	}
	want := "true"
	if not {
		want = "false"
	}
	text := fmt.Sprintf("%s is %s, got %s", name, want, quoted(got))
	if msg != "" {
		fail(thread, fmt.Sprintf("%s (%s)", msg, text))
	}
	fail(thread, "expected "+text)
}

// final checks one `expect.final` entry after every top-level thread has finished; a
// violated one fails the way the harness words it.
func final(path string, problems ...string) {
	var ps []string
	for _, p := range problems {
		if p != "" {
			ps = append(ps, p)
		}
	}
	if len(ps) > 0 {
		fail("(final)", fmt.Sprintf("final state: %s (%s)", strings.Join(ps, "; "), path))
	}
}

func fLen(name string, n, want int) string {
	if n != want {
		return fmt.Sprintf("len(%s) is %d, expected %d", name, n, want)
	}
	return ""
}

func fCap(name string, n, want int) string {
	if n != want {
		return fmt.Sprintf("cap(%s) is %d, expected %d", name, n, want)
	}
	return ""
}

func fKey[V comparable](name string, m map[string]V, k string, want V) string {
	v, ok := m[k]
	if !ok {
		return fmt.Sprintf("%s[%s] is absent, expected %s", name, quoted(k), quoted(want))
	}
	if v != want {
		return fmt.Sprintf("%s[%s] is %s, expected %s", name, quoted(k), quoted(v), quoted(want))
	}
	return ""
}

func fAbsent[V any](name string, m map[string]V, k string) string {
	if v, ok := m[k]; ok {
		return fmt.Sprintf("%s[%s] is %s, expected absent", name, quoted(k), quoted(v))
	}
	return ""
}

func fElems[T comparable](name string, s []T, want ...T) string {
	if slices.Equal(s, want) {
		return ""
	}
	show := func(v []T) string {
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = quoted(x)
		}
		return strings.Join(parts, ", ")
	}
	return fmt.Sprintf("%s holds [%s], expected [%s]", name, show(s), show(want))
}

// fLocked: Go has no IsLocked; TryLock tells (and is undone at once).
func fLocked(name string, mu interface {
	TryLock() bool
	Unlock()
}, want bool) string {
	locked := !mu.TryLock()
	if !locked {
		mu.Unlock()
	}
	if locked != want {
		return fmt.Sprintf("%s is %slocked, expected %slocked", name, not(locked), not(want))
	}
	return ""
}

// fClosed: Go has no IsClosed; it drains the buffered values (so it runs after any len check
// on the same channel) and then polls a receive. Call it only when nothing else uses ch.
func fClosed[T any](name string, ch chan T, want bool) string {
	for n := len(ch); n > 0; n-- {
		<-ch
	}
	closed := false
	select {
	case _, ok := <-ch:
		closed = !ok
	default:
	}
	if closed != want {
		return fmt.Sprintf("%s is %sclosed, expected %sclosed", name, not(closed), not(want))
	}
	return ""
}

func not(b bool) string {
	if b {
		return ""
	}
	return "not "
}

// finish lets goroutines that are on their way out finish, then reports the ones still there:
// `hazard-go: goroutines left: N` and one `hazard-go: leaked: <thread> [<wait reason>] xN` line
// per kind (from Go's own goroutine dump). Go itself says nothing about them.
func finish() {
	deadline := time.Now().Add(2 * time.Second)
	last, since := runtime.NumGoroutine(), time.Now()
	for time.Now().Before(deadline) {
		n := runtime.NumGoroutine()
		if n == 1 {
			break
		}
		if n != last {
			last, since = n, time.Now()
		} else if time.Since(since) > 150*time.Millisecond {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	left := map[string]int{}
	var order []string
	for i, block := range strings.Split(string(buf), "\n\n") {
		if i == 0 {
			continue // this goroutine
		}
		lines := strings.Split(strings.TrimSpace(block), "\n")
		head := lines[0]
		reason := "?"
		if a, b := strings.Index(head, "["), strings.LastIndex(head, "]"); a >= 0 && b > a {
			reason = strings.SplitN(head[a+1:b], ",", 2)[0]
		}
		name := "?"
		for _, l := range lines[1:] {
			if strings.HasPrefix(l, "\t") || strings.HasPrefix(l, "created by") {
				continue
			}
			fn := l
			if p := strings.LastIndex(fn, "("); p > 0 {
				fn = fn[:p]
			}
			if rest, ok := strings.CutPrefix(fn, "main.(*world)."); ok {
				name = rest
				break
			}
			if name == "?" {
				name = fn
			}
		}
		key := name + " [" + reason + "]"
		if left[key] == 0 {
			order = append(order, key)
		}
		left[key]++
	}
	fmt.Printf("hazard-go: goroutines left: %d\n", runtime.NumGoroutine()-1)
	for _, k := range order {
		fmt.Printf("hazard-go: leaked: %s x%d\n", k, left[k])
	}
	// HAZARD_GO_LEAKPROFILE: what Go 1.27's goroutineleak profile reports. WriteTo runs the
	// leak-detecting GC itself (runtime.GC alone leaves Count at 0).
	if os.Getenv("HAZARD_GO_LEAKPROFILE") != "" {
		p := pprof.Lookup("goroutineleak")
		if err := p.WriteTo(io.Discard, 1); err == nil {
			fmt.Printf("hazard-go: leak profile: %d\n", p.Count())
		}
	}
}
