package e2e

import (
	"strings"
	"testing"
)

// devRollback proves rollout.yml's manual rollback path: after two rollouts, a
// run with image-tag set to the first one's tag deploys that image again, with
// nothing built, every call allowed to the rollout role; a later full `up` from
// the checkout keeps it.
func (s *suite) devRollback(t *testing.T) {
	const second = "e2e0003"
	first := s.liveService(t, "dev", "backend").Image
	if !strings.HasSuffix(first, ":"+rolloutTag) {
		t.Fatalf("backend runs %s before the second rollout, want the first rollout's %s", first, rolloutTag)
	}
	s.rollout(t, "dev", "backend", second)
	if live := s.liveService(t, "dev", "backend"); !strings.HasSuffix(live.Image, ":"+second) {
		t.Fatalf("the second rollout left backend on %s", live.Image)
	}

	log := callLog{s.project.moto.calls}
	from := log.mark(t)
	s.rollback(t, "dev", "backend", rolloutTag)
	to := log.mark(t)
	live := s.liveService(t, "dev", "backend")
	if live.Image != first {
		t.Errorf("the rollback left backend on %s, want %s", live.Image, first)
	}
	if live.DesiredCount < 1 {
		t.Errorf("backend wants %d tasks after the rollback", live.DesiredCount)
	}
	calls, requests := s.judgeRole(t, "dev", "rollout", from, to)

	s.up(t, "dev")
	if kept := s.liveService(t, "dev", "backend"); kept.Image != first || kept.DesiredCount != live.DesiredCount {
		t.Errorf("a full up after the rollback moved backend to %s with %d tasks, want %s with %d", kept.Image, kept.DesiredCount, first, live.DesiredCount)
	}
	s.note(t, "rolled back backend %s -> %s: %d calls, %d distinct requests, all allowed to the rollout role; a full up kept it", second, rolloutTag, calls, requests)
}
