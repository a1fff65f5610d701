//go:build !unix

package readlimit

const oNonblock = 0
