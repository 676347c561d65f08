#!/usr/bin/env bash
# One self-contained binary: ./publish.sh [OUTPUT_DIR] makes OUTPUT_DIR/mindstack (default
# ./publish/linux-x64) for linux-x64, with the .NET runtime inside; the target machine needs no
# .NET installed. Beside it: appsettings.json (the shipped defaults it reads wherever it is started)
# and the native libraries that cannot be bundled. Run it as `./mindstack --data /var/lib/mindstack`.
set -euo pipefail
cd "$(dirname "$0")"
out=${1:-publish/linux-x64}
rid=${MINDSTACK_RID:-linux-x64}
# Precompiled (ReadyToRun) by default, so the server starts with little JIT. MINDSTACK_READY_TO_RUN=false
# skips that step (./test.sh does: crossgen of every package's assembly was 3 to 4 minutes of its run on
# two cores, for a binary whose behaviour is the same IL either way).
r2r=${MINDSTACK_READY_TO_RUN:-true}
dotnet publish src/Mindstack.Server -c Release -r "$rid" --self-contained true \
  -p:PublishSingleFile=true -p:IncludeNativeLibrariesForSelfExtract=true \
  -p:DebugType=none -p:PublishReadyToRun="$r2r" \
  -o "$out" --nologo -v q
mv -f "$out/Mindstack.Server" "$out/mindstack"
"$out/mindstack" --version >/dev/null
echo "$out/mindstack ($(du -h "$out/mindstack" | cut -f1)): $("$out/mindstack" --version)"
