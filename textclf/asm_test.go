//go:build !purego

package textclf

const purego = false
