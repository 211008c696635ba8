package store

// DeleteBatch is deleteBatch, for the test of its bound.
var DeleteBatch = (*DB).deleteBatch
