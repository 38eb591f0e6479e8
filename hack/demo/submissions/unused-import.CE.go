// A+B that imports a package it does not use: Go refuses to compile it
// ("\"strings\" imported and not used").
package main

import (
	"fmt"
	"strings"
)

func main() {
	var t int
	fmt.Scan(&t)
	for ; t > 0; t-- {
		var a, b int64
		fmt.Scan(&a, &b)
		fmt.Println(a + b)
	}
}
