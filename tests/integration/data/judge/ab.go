// A+B with buffered I/O, the way contest Go reads input.
package main

import (
	"bufio"
	"fmt"
	"os"
	"sort"
)

func main() {
	in := bufio.NewReader(os.Stdin)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	var a, b int64
	if _, err := fmt.Fscan(in, &a, &b); err != nil {
		os.Exit(1)
	}
	v := make([]int, 1000)
	for i := range v {
		v[i] = (i * 7919) % 1003
	}
	sort.Ints(v)
	fmt.Fprintln(out, a+b)
}
