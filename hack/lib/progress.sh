# Sourced by hack/*.sh. `with_progress LABEL COMMAND...` runs COMMAND with its output kept in a log file
# and prints "LABEL: still running (1m30s so far)" every PROGRESS_EVERY seconds (default 30), so a long
# cold step never looks hung. Returns COMMAND's exit code; on failure prints the log's last 20 lines.
# Needs a `log` function (each script prefixes its own lines).

PROGRESS_EVERY=${PROGRESS_EVERY:-30}

elapsed() { # seconds -> 1m05s
  local s=$1
  if [ "$s" -ge 60 ]; then printf '%dm%02ds' $((s / 60)) $((s % 60)); else printf '%ds' "$s"; fi
}

with_progress() {
  local label=$1; shift
  local out pid start=$SECONDS next rc=0
  out=$(mktemp "${TMPDIR:-/tmp}/tagpilot-progress.XXXXXX")
  "$@" >"$out" 2>&1 &
  pid=$!
  next=$((start + PROGRESS_EVERY))
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    if [ "$SECONDS" -ge "$next" ]; then
      log "$label: still running ($(elapsed $((SECONDS - start))) so far)"
      next=$((next + PROGRESS_EVERY))
    fi
  done
  wait "$pid" || rc=$?
  if [ "$rc" -ne 0 ]; then tail -20 "$out" >&2; fi
  rm -f "$out"
  return "$rc"
}
