package store

import (
	"github.com/chorus-hq/chorus/internal/listen/alert"
	"github.com/chorus-hq/chorus/internal/listen/insight"
)

// The store is what insights and alerts read.
var (
	_ alert.Store   = (*DB)(nil)
	_ insight.Store = (*DB)(nil)
)
