//go:build !purego

package speech

const purego = false
