#!/usr/bin/env bash
# Browser check of the HTML reports (called by .ci/run): opens every reports/**/index.html in
# headless Chromium, fails on any console error or failed resource load, saves a screenshot,
# prints to PDF and checks the page count is sane. Installs Debian's chromium if missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=target/browser
mkdir -p "$out"

if ! command -v chromium >/dev/null 2>&1; then
  echo "installing chromium (Debian package)"
  if [ "$(id -u)" -eq 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi
fi

flags=(--headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking
       --disable-component-update --disable-sync --disable-quic --hide-scrollbars)
status=0
for page in reports/index.html reports/*/index.html docs/examples/*/index.html; do
  [ -f "$page" ] || continue
  name=$(echo "$page" | tr '/' '_' | sed 's/\.html$//')
  profile=$(mktemp -d)
  url="file://$PWD/$page"
  log="$out/$name.log"
  timeout 120 chromium "${flags[@]}" --user-data-dir="$profile" --enable-logging=stderr --v=0 \
    --window-size=1100,1600 --screenshot="$out/$name.png" "$url" 2>"$log" >/dev/null || true
  timeout 120 chromium "${flags[@]}" --user-data-dir="$profile" --no-pdf-header-footer \
    --print-to-pdf="$out/$name.pdf" "$url" 2>>"$log" >/dev/null || true
  rm -rf "$profile"
  if grep -E "CONSOLE|Uncaught|Failed to load resource|net::ERR_FILE_NOT_FOUND" "$log" >/dev/null; then
    echo "FAIL $page: console errors or broken resources:"; grep -E "CONSOLE|Uncaught|Failed to load|ERR_FILE" "$log" | head -5
    status=1
  fi
  if [ ! -s "$out/$name.png" ]; then echo "FAIL $page: no screenshot"; status=1; fi
  # Chromium does not log a missing local image, so check every local src/href exists.
  if ! python3 - "$page" <<'PY'
import html.parser, os, sys, urllib.parse
page = sys.argv[1]
class Links(html.parser.HTMLParser):
    missing = []
    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if key in ("src", "href") and value and not value.startswith(("http:", "https:", "data:", "#", "mailto:")):
                target = os.path.join(os.path.dirname(page), urllib.parse.unquote(value.split("#")[0]))
                if not os.path.exists(target):
                    self.missing.append(value)
links = Links()
links.feed(open(page, encoding="utf-8").read())
for m in links.missing:
    print(f"FAIL {page}: broken link or image {m}")
sys.exit(1 if links.missing else 0)
PY
  then status=1; fi
  pages=$(python3 -c "import re,sys; d=open(sys.argv[1],'rb').read(); print(len(re.findall(rb'/Type\s*/Page[^s]', d)))" "$out/$name.pdf" 2>/dev/null || echo 0)
  if [ "$pages" -lt 1 ] || [ "$pages" -gt 80 ]; then
    echo "FAIL $page: PDF has $pages pages"; status=1
  else
    echo "ok   $page: screenshot $out/$name.png, PDF $pages A4 pages"
  fi
done
exit $status
