# Sourced by the scripts: puts the tools that scripts/setup installs on PATH.
export PATH="$HOME/.cargo/bin:$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.tools/node_modules/.bin:$PATH"
