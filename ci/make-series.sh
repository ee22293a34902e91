#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Write the upstream form of the base's series (ci/base.sh):
#
# mainline: build/series/mainline/<destination>/, one series for each place
#   the patches go, as patches/destinations groups them: each group
#   cherry-picked onto bare 7.3 on its own, so that it applies without the
#   others; the test glue (the tests group) with the suite files from
#   kunit/ that it builds folded in.  Each patch gets Cc: lines for the
#   people that 7.3's scripts/get_maintainer.pl names for it; each series
#   is sent To those people and Cc the lists it names.  Its cover letter
#   comes from patches/cover-<destination>.txt.  Last, all groups are
#   applied in their order to bare 7.3 with git am, which must succeed.
# 6.12: build/series/, the patches of build/linux (patches/stable-6.12/),
#   the two test patches (the first and the last) with the KUnit suite
#   files that their arch/arm64/mm/Makefile lines build (the first also
#   gets the shared header); and the cover letter from
#   patches/stable-6.12/0000-cover-letter.txt.
#
# Whoever runs it signs the patches off: the git identity of this checkout
# (git config user.name and user.email).  Without one it refuses: patches/
# never holds a Signed-off-by of its own.  checkpatch.pl --strict runs on
# every patch.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/ci/base.sh"
tree=$base_tree
rel=${tree#"$top"/}
work="$top/build/series-tree"

die() {
	echo "make-series: error: $*" >&2
	exit 1
}

[ -z "${KDIR:-}" ] || die "make series works on $rel: run it without KDIR"
[ "${SERIES:-ours}" = ours ] || die "make series exports our series: run it without SERIES=$SERIES"
git -C "$tree" rev-parse -q --verify refs/tags/series >/dev/null ||
	die "$rel is not prepared: run 'make tree BASE=$BASE'"
n=$(git -C "$tree" rev-list --count base..series)
[ "$n" -gt 0 ] || die "$rel carries no patch: run 'make tree BASE=$BASE' without PATCHES=none or UPTO"
[ "$n" -eq "$(ls "$top/$base_patches"/[0-9][0-9][0-9][0-9]-*.patch | grep -vc /0000-)" ] ||
	die "$rel does not carry the whole series: run 'make tree BASE=$BASE' without PATCHES or UPTO"

an=$(git -C "$top" config user.name || true)
ae=$(git -C "$top" config user.email || true)
[ -n "$an" ] && [ -n "$ae" ] ||
	die "no git identity to sign the patches off with: set yours with 'git config user.name' and 'git config user.email'"
g() {
	git -C "$work" -c user.name="$an" -c user.email="$ae" "$@"
}

cleanup() {
	git -C "$tree" worktree remove --force "$work" >/dev/null 2>&1 || rm -rf "$work"
	git -C "$tree" worktree prune
}
trap cleanup EXIT

# The commits of the prepared tree, in order: commits[k-1] is patch k.
mapfile -t commits < <(git -C "$tree" rev-list --reverse base..series)

# checkpatch --strict on each patch of $1.  Two checks cannot apply here:
# the Fixes: ids are upstream commits that a tree without upstream history
# cannot look up (UNKNOWN_COMMIT_ID), and the new files lie under
# arch/arm64/, which the ARM64 PORT entry of MAINTAINERS already covers
# (FILE_PATH_CHANGES).
checkpatch() {
	local p

	for p in "$1"/[0-9][0-9][0-9][0-9]-*.patch; do
		[ "$(basename "$p")" != 0000-cover-letter.patch ] || continue
		"$tree/scripts/checkpatch.pl" --strict -q --no-tree \
			--ignore UNKNOWN_COMMIT_ID,FILE_PATH_CHANGES "$p" ||
			echo "make-series: warning: checkpatch --strict complains about ${p#"$top"/}" >&2
	done
}

# Fill the cover letter $1 from $2: its first line is the subject, the rest
# the body.
fill_cover() {
	python3 - "$1" "$2" <<'PY'
import sys
cover, src = sys.argv[1], sys.argv[2]
with open(src) as f:
    subject, _, body = f.read().partition('\n')
text = open(cover).read()
text = text.replace('*** SUBJECT HERE ***', subject.strip())
text = text.replace('*** BLURB HERE ***', body.strip('\n'))
open(cover, 'w').write(text)
PY
}

# The suite files that the Makefile lines of commit $1 build.
suite_files() {
	local obj f

	for obj in $(git -C "$tree" show --format= "$1" -- arch/arm64/mm/Makefile |
		     grep '^+' | grep -o 'hotremove_kunit_[a-z0-9_]*\.o'); do
		f="$top/kunit/${obj%.o}.c"
		[ -f "$f" ] || die "patch '$(git -C "$tree" log -1 --format=%s "$1")' builds ${obj}, but kunit/ has no ${obj%.o}.c"
		echo "$f"
	done | awk '!seen[$0]++'
}

# Fold files into the worktree's last commit, under arch/arm64/mm/.
fold() {
	[ "$#" -gt 0 ] || return 0
	cp "$@" "$work/arch/arm64/mm/"
	g add -f arch/arm64/mm
	g commit -q --amend --no-edit
}

series_612() {
	local out="$top/build/series" first c f folded=()

	first=${commits[0]}
	cleanup
	git -C "$tree" worktree add -q --detach "$work" "$first"
	for c in "${commits[@]}"; do
		[ "$c" = "$first" ] || g cherry-pick "$c" >/dev/null
		mapfile -t files < <(suite_files "$c")
		[ "$c" != "$first" ] || files+=("$top"/kunit/*.h)
		fold "${files[@]}"
		folded+=("${files[@]}")
	done
	for f in "$top"/kunit/*.[ch]; do
		[[ " ${folded[*]} " == *" $f "* ]] ||
			die "no patch builds $(basename "$f"): add it to arch/arm64/mm/Makefile in a test patch of $base_patches"
	done
	rm -rf "$out"
	g format-patch -q --signoff --cover-letter -o "$out" base..HEAD
	fill_cover "$out/0000-cover-letter.patch" "$top/$base_patches/0000-cover-letter.txt"
	checkpatch "$out"
	echo "make-series: $((n + 1)) files in build/series/"
	ls "$out"
}

# The people (name and address) and the lists that get_maintainer.pl names
# for the patch on standard input, one a line, people first.
maintainers() {
	cat >"$work/.patch"
	(cd "$work" && perl scripts/get_maintainer.pl --nogit --nogit-fallback \
		--norolestats --nofixes .patch) | sort -u |
		awk -v me="$ae" 'index($0, "<" me ">") == 0' |
		awk '/</ { print "P " $0; next } { print "L " $0 }'
}

# The commit message on standard input with those trailers in the arguments
# that it lacks added to its trailer block (one is started if it has none).
add_trailers() {
	python3 -c '
import re, sys
lines = sys.stdin.read().rstrip().split("\n")
have = set(l.strip().lower() for l in lines)
new = [t for t in sys.argv[1:] if t.lower() not in have]
if new and not re.match(r"[A-Za-z-]+: ", lines[-1]):
    lines.append("")
print("\n".join(lines + new))
' "$@"
}

# The revision of the mainline series being posted.
version=4

series_mainline() {
	local out="$top/build/series/mainline" map="$top/$base_patches/destinations"
	local groups=() dest k c files people lists to cc count=0 p skipped=()

	[ -f "$map" ] || die "${map#"$top"/} is missing: it names where each patch goes"
	cleanup
	git -C "$tree" worktree add -q --detach "$work" base
	for k in $(seq 1 "$n"); do
		[ "$(awk -v k="$k" '!/^#/ && $1 == k' "$map" | wc -l)" = 1 ] ||
			die "${map#"$top"/} must name patch $k once"
	done
	mapfile -t groups < <(awk '!/^#/ && NF && !seen[$2]++ { print $2 }' "$map")
	rm -rf "$out"
	for dest in "${groups[@]}"; do
		[ -f "$top/$base_patches/cover-$dest.txt" ] ||
			die "$base_patches/cover-$dest.txt is missing: the cover letter of the $dest series"
		git -C "$work" checkout -q -f --detach base
		people=()
		lists=()
		for k in $(awk -v d="$dest" '!/^#/ && $2 == d { print $1 }' "$map"); do
			c=${commits[k - 1]}
			g cherry-pick "$c" >/dev/null 2>&1 ||
				die "patch $k does not apply to bare $BASE_PKG without the patches before it: move it, or group it with them in ${map#"$top"/}"
			if [ "$dest" = tests ]; then
				# The suites the glue builds; the others test
				# 6.12 code that mainline does not have.
				mapfile -t files < <(suite_files "$c")
				fold "${files[@]}" "$top"/kunit/*.h
				for p in "$top"/kunit/*.c; do
					[[ " ${files[*]} " == *" $p "* ]] || skipped+=("$(basename "$p")")
				done
			fi
			# Cc: the people that get_maintainer.pl names for the patch.
			mapfile -t who < <(g format-patch -1 --stdout HEAD | maintainers)
			cc=()
			for p in "${who[@]}"; do
				case $p in
				"P "*) cc+=("Cc: ${p#P }"); people+=("${p#P }") ;;
				"L "*) lists+=("${p#L }") ;;
				esac
			done
			if [ "${#cc[@]}" -gt 0 ]; then
				g log -1 --format=%B HEAD |
					add_trailers "${cc[@]}" >"$work/.msg"
				g commit -q --amend -F "$work/.msg"
			fi
			rm -f "$work/.msg" "$work/.patch"
		done
		to=()
		mapfile -t who < <(printf '%s\n' "${people[@]}" | sed '/^$/d' | sort -u)
		for p in "${who[@]}"; do
			to+=("--to=$p")
		done
		mapfile -t who < <(printf '%s\n' "${lists[@]}" | sed '/^$/d' | sort -u)
		for p in "${who[@]}"; do
			to+=("--cc=$p")
		done
		g format-patch -q --signoff --cover-letter --subject-prefix="PATCH v$version" \
			"${to[@]}" -o "$out/$dest" base..HEAD
		fill_cover "$out/$dest/0000-cover-letter.patch" "$top/$base_patches/cover-$dest.txt"
		checkpatch "$out/$dest"
		count=$((count + $(git -C "$work" rev-list --count base..HEAD)))
	done
	[ "$count" -eq "$n" ] || die "the destinations hold $count patches, the series $n"

	# All of them, in their order, on bare 7.3.
	git -C "$work" checkout -q -f --detach base
	for dest in "${groups[@]}"; do
		g am -q $(ls "$out/$dest"/[0-9][0-9][0-9][0-9]-*.patch | grep -v /0000-) ||
			die "build/series/mainline/$dest does not apply after the series before it"
	done
	echo "make-series: $n patches for $BASE_PKG $(git -C "$tree" log -1 --format=%s base | sed 's/.* //'), signed off by $an <$ae>:"
	for dest in "${groups[@]}"; do
		echo "  build/series/mainline/$dest/: $(ls "$out/$dest" | grep -vc cover-letter) patches and a cover letter"
	done
	echo "make-series: all of them apply to the bare tree in that order (git am)"
	[ "${#skipped[@]}" -eq 0 ] ||
		echo "make-series: not in the tests series, as the glue does not build them (they test 6.12 code): ${skipped[*]}"
}

if [ "$BASE" = mainline ]; then
	series_mainline
else
	series_612
fi
