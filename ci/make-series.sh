#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Write the upstream form of the series to build/series/: the patches of
# build/linux (base..series), each with the KUnit suite files from kunit/
# that its arch/arm64/mm/Makefile lines build (the first patch also gets the
# shared header), so that each test lands with its fix and every patch
# builds; and the cover letter from patches/0000-cover-letter.txt.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
tree="$top/build/linux"
work="$top/build/series-tree"
out="$top/build/series"

die() {
	echo "make-series: error: $*" >&2
	exit 1
}

[ -z "${KDIR:-}" ] || die "make series works on build/linux: run it without KDIR"
[ "${SERIES:-ours}" = ours ] || die "make series exports our series: run it without SERIES=$SERIES"
git -C "$tree" rev-parse -q --verify refs/tags/series >/dev/null ||
	die "build/linux is not prepared: run 'make tree'"
n=$(git -C "$tree" rev-list --count base..series)
[ "$n" -gt 0 ] || die "build/linux carries no patch: run 'make tree' without PATCHES=none or UPTO"

first=$(git -C "$tree" rev-list base..series | tail -n 1)
# Whoever posts the series signs it off: the git identity of this
# checkout (git config user.name, user.email), which also sends the cover
# letter.  Without one the patches carry no Signed-off-by, and a line says
# so: patches/ never holds one of its own.
an=$(git -C "$top" config user.name || true)
ae=$(git -C "$top" config user.email || true)
signoff=(--signoff)
nosign=
if [ -z "$an" ] || [ -z "$ae" ]; then
	echo "make-series: warning: no git identity (git config user.name and user.email): build/series carries no Signed-off-by; set them before posting" >&2
	an=$(git -C "$tree" log -1 --format=%an "$first")
	ae=$(git -C "$tree" log -1 --format=%ae "$first")
	signoff=()
	nosign=,MISSING_SIGN_OFF
fi
g() {
	git -C "$work" -c user.name="$an" -c user.email="$ae" "$@"
}

cleanup() {
	git -C "$tree" worktree remove --force "$work" >/dev/null 2>&1 || rm -rf "$work"
	git -C "$tree" worktree prune
}
trap cleanup EXIT
cleanup
git -C "$tree" worktree add -q --detach "$work" "$first"

# Each patch gets the suite files that its arch/arm64/mm/Makefile lines add
# (hotremove_kunit_X.o: kunit/hotremove_kunit_X.c); the first also the header.
fold_suites() {
	local c=$1 f obj files=()

	for obj in $(git -C "$tree" show --format= "$c" -- arch/arm64/mm/Makefile |
		     grep '^+' | grep -o 'hotremove_kunit_[a-z0-9_]*\.o'); do
		f="$top/kunit/${obj%.o}.c"
		[ -f "$f" ] || die "patch $(git -C "$tree" log -1 --format=%s "$c") builds ${obj}, but kunit/ has no ${obj%.o}.c"
		files+=("$f")
	done
	[ "$c" != "$first" ] || files+=("$top"/kunit/*.h)
	[ "${#files[@]}" -gt 0 ] || return 0
	cp "${files[@]}" "$work/arch/arm64/mm/"
	g add -f arch/arm64/mm
	g commit -q --amend --no-edit
	folded+=("${files[@]}")
}

folded=()
fold_suites "$first"
for c in $(git -C "$tree" rev-list --reverse "$first..series"); do
	g cherry-pick "$c" >/dev/null
	fold_suites "$c"
done
for f in "$top"/kunit/*.[ch]; do
	[[ " ${folded[*]} " == *" $f "* ]] ||
		die "no patch builds $(basename "$f"): add it to arch/arm64/mm/Makefile in the patch whose fix it tests"
done

rm -rf "$out"
g format-patch -q "${signoff[@]}" --cover-letter -o "$out" base..HEAD

# Fill the cover letter's subject and blurb from patches/0000-cover-letter.txt:
# its first line is the subject, the rest the body.
cover=$(ls "$out"/0000-cover-letter.patch)
python3 - "$cover" "$top/patches/0000-cover-letter.txt" <<'EOF'
import sys
cover, src = sys.argv[1], sys.argv[2]
with open(src) as f:
    subject, _, body = f.read().partition('\n')
text = open(cover).read()
text = text.replace('*** SUBJECT HERE ***', subject.strip())
text = text.replace('*** BLURB HERE ***', body.strip('\n'))
open(cover, 'w').write(text)
EOF
# checkpatch --strict on each patch.  Two checks cannot apply here: the
# Fixes: ids are upstream commits that a tree without upstream history
# cannot look up (UNKNOWN_COMMIT_ID), and the new files lie under arch/arm64/,
# which the ARM64 PORT entry of MAINTAINERS already covers
# (FILE_PATH_CHANGES).  Without a git identity there is no Signed-off-by
# to check (MISSING_SIGN_OFF).
if [ -x "$tree/scripts/checkpatch.pl" ]; then
	for p in "$out"/[0-9][0-9][0-9][0-9]-*.patch; do
		[ "$(basename "$p")" != 0000-cover-letter.patch ] || continue
		"$tree/scripts/checkpatch.pl" --strict -q --no-tree \
			--ignore UNKNOWN_COMMIT_ID,FILE_PATH_CHANGES$nosign "$p" ||
			echo "make-series: warning: checkpatch --strict complains about $(basename "$p")" >&2
	done
fi
echo "make-series: $((n + 1)) files in build/series/"
ls "$out"
