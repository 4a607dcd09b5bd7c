#!/usr/bin/env bash
# Smoke test of `faultline local` through the AWS CLI alone, as a user without the faultline CLI
# would drive it: publish ExperimentRequested with `aws events put-events` to the local PutEvents
# endpoint, then read the execution from the local DynamoDB (dynalite) with `aws dynamodb` until
# its status is final.
#
# Expects, already running: `faultline local` with the event endpoint on FAULTLINE_LOCAL_PORT
# (default 4010) and dynalite on FAULTLINE_LOCAL_PORT+1. Installs nothing; needs `aws` (Debian's
# awscli, v1 or v2) and `node` with this checkout's node_modules (for `yaml`).
#
# Environment:
#   FAULTLINE_LOCAL_PORT           event endpoint port (default 4010); dynalite listens on port+1
#   FAULTLINE_SMOKE_TEMPLATE       template to run (default experiments/instance-termination.yaml)
#   FAULTLINE_SMOKE_TIMEOUT        seconds to wait for a final status (default 120)
#   FAULTLINE_SMOKE_EXPECT_STATUS  final status that counts as success (default COMPLETED; "any"
#                                  accepts every final status)
#
# Exit status: 0 when the execution ends in the expected status; 1 otherwise (endpoint down, entry
# refused, no final status in time, other final status).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PORT="${FAULTLINE_LOCAL_PORT:-4010}"
DYNAMO_PORT=$((PORT + 1))
TABLE=faultline-local
BUS=faultline-local
TEMPLATE="${FAULTLINE_SMOKE_TEMPLATE:-$ROOT/experiments/instance-termination.yaml}"
TIMEOUT="${FAULTLINE_SMOKE_TIMEOUT:-120}"
EXPECT="${FAULTLINE_SMOKE_EXPECT_STATUS:-COMPLETED}"
EVENTS_URL="http://127.0.0.1:$PORT"
DYNAMO_URL="http://127.0.0.1:$DYNAMO_PORT"
FINAL_STATUSES=" COMPLETED REJECTED ABORTED FAILED ROLLBACK_FAILED "

# Dummy credentials, and no shared config: nothing here may reach a real account.
export AWS_ACCESS_KEY_ID=faultline-local AWS_SECRET_ACCESS_KEY=faultline-local
export AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export AWS_EC2_METADATA_DISABLED=true AWS_PAGER=""
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL

log() { printf 'awscli-smoke: %s\n' "$*" >&2; }
fail() {
  log "FAILED: $*"
  exit 1
}
awscli() { aws --output json --cli-connect-timeout 5 --cli-read-timeout 30 "$@"; }

command -v aws >/dev/null || fail "the aws CLI is not installed (apt-get install awscli)"
command -v node >/dev/null || fail "node is not installed"
[[ -f "$TEMPLATE" ]] || fail "template $TEMPLATE not found"
[[ -d "$ROOT/node_modules/yaml" ]] || fail "$ROOT/node_modules/yaml not found (run npm ci first)"
log "$(aws --version 2>&1)"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# 1. Both endpoints listen (bounded: `faultline local` may still be starting).
wait_for_port() {
  local port=$1 name=$2 deadline=$((SECONDS + 30))
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    ((SECONDS < deadline)) || fail "nothing listens on 127.0.0.1:$port ($name); is 'faultline local' running with FAULTLINE_LOCAL_PORT=$PORT?"
    sleep 1
  done
}
wait_for_port "$PORT" "PutEvents endpoint"
wait_for_port "$DYNAMO_PORT" "dynalite"
awscli dynamodb describe-table --endpoint-url "$DYNAMO_URL" --table-name "$TABLE" >/dev/null ||
  fail "table $TABLE not found in dynalite at $DYNAMO_URL"

# 2. The ExperimentRequested entry: the template as JSON, inside Detail as a JSON string.
EXECUTION_ID="$(
  cd "$ROOT" && TEMPLATE="$TEMPLATE" ENTRIES="$WORK/entries.json" BUS="$BUS" node -e '
    const fs = require("node:fs");
    const { randomUUID } = require("node:crypto");
    const YAML = require("yaml");
    const template = YAML.parse(fs.readFileSync(process.env.TEMPLATE, "utf8"));
    if (!template || typeof template.id !== "string") throw new Error(`${process.env.TEMPLATE} has no id`);
    const detail = {
      version: 1,
      executionId: randomUUID(),
      experimentId: template.id,
      template,
      dryRun: false,
      trigger: { type: "api" },
      requestedAt: new Date().toISOString(),
    };
    const entry = { Source: "faultline", DetailType: "ExperimentRequested", EventBusName: process.env.BUS, Detail: JSON.stringify(detail) };
    fs.writeFileSync(process.env.ENTRIES, JSON.stringify([entry]));
    process.stdout.write(detail.executionId);
  '
)" || fail "could not build the ExperimentRequested entry from $TEMPLATE"
log "execution $EXECUTION_ID from $TEMPLATE"

# 3. Publish. The CLI exits 0 even when entries fail, so FailedEntryCount is checked here.
awscli events put-events --endpoint-url "$EVENTS_URL" --entries "file://$WORK/entries.json" >"$WORK/put-events.json" ||
  fail "aws events put-events failed"
cat "$WORK/put-events.json" >&2
node -e '
  const out = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
  if (out.FailedEntryCount !== 0 || !out.Entries?.[0]?.EventId) process.exit(1);
' "$WORK/put-events.json" || fail "the endpoint refused the entry"

# 4. Poll the execution item until its status is final (bounded).
KEY="{\"pk\":{\"S\":\"EXEC#$EXECUTION_ID\"},\"sk\":{\"S\":\"STATE\"}}"
read_status() {
  awscli dynamodb get-item --endpoint-url "$DYNAMO_URL" --table-name "$TABLE" --key "$KEY" --consistent-read >"$WORK/item.json" || return 1
  node -e '
    const out = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
    process.stdout.write(out.Item?.status?.S ?? "");
  ' "$WORK/item.json"
}
deadline=$((SECONDS + TIMEOUT))
status=""
last=""
while :; do
  status="$(read_status)" || fail "aws dynamodb get-item failed"
  if [[ "$status" != "$last" ]]; then
    log "status: ${status:-<no execution item yet>}"
    last="$status"
  fi
  [[ -n "$status" && "$FINAL_STATUSES" == *" $status "* ]] && break
  ((SECONDS < deadline)) || fail "execution $EXECUTION_ID not final after ${TIMEOUT}s (last status: ${status:-none})"
  sleep 2
done

# 5. Show what the table holds for this execution: the state item and the journal.
awscli dynamodb scan --endpoint-url "$DYNAMO_URL" --table-name "$TABLE" --consistent-read \
  --filter-expression "pk = :pk" --expression-attribute-values "{\":pk\":{\"S\":\"EXEC#$EXECUTION_ID\"}}" >"$WORK/scan.json" ||
  fail "aws dynamodb scan failed"
node -e '
  const fs = require("node:fs");
  const item = JSON.parse(fs.readFileSync(process.argv[1], "utf8")).Item;
  const items = JSON.parse(fs.readFileSync(process.argv[2], "utf8")).Items ?? [];
  const s = (a) => a?.S ?? a?.N ?? (a?.BOOL !== undefined ? String(a.BOOL) : undefined);
  console.log(`execution ${s(item.executionId)}: status ${s(item.status)}, verdict ${s(item.verdict) ?? "-"}`);
  for (const r of item.reasons?.L ?? []) console.log(`  reason: ${s(r)}`);
  const journal = items.filter((i) => s(i.sk).startsWith("LOG#")).sort((a, b) => s(a.sk).localeCompare(s(b.sk)));
  console.log(`${items.length} items for the execution; journal:`);
  for (const j of journal) console.log(`  ${s(j.at)} ${s(j.phase)}:${s(j.action)} ${s(j.outcome)}${j.error ? ` (${s(j.error)})` : ""}`);
' "$WORK/item.json" "$WORK/scan.json"

if [[ "$EXPECT" != "any" && "$status" != "$EXPECT" ]]; then
  fail "execution $EXECUTION_ID ended $status, expected $EXPECT"
fi
log "OK: execution $EXECUTION_ID ended $status"
