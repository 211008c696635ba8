package insight

// SegmentForTest is Terms with the shared segmenter.
func SegmentForTest(text string) []Term {
	seg, err := segmenter()
	if err != nil {
		panic(err)
	}
	return Terms(seg, text)
}
