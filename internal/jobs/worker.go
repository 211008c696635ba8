package jobs

import (
	"github.com/riverqueue/river"

	"github.com/chorus-hq/chorus/internal/apperr"
)

// workError maps a domain error to River's outcome for the job: input that
// is wrong (Invalid) or a thing that is gone (NotFound) will not get better
// by retrying, so the job is cancelled; anything else is returned as is and
// River retries it with backoff until its attempts run out.
func workError(err error) error {
	switch apperr.CodeOf(err) {
	case "":
		return nil
	case apperr.Invalid, apperr.NotFound:
		return river.JobCancel(err)
	default:
		return err
	}
}
