#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Prepare the kernel tree the suites run against and install the KUnit suite
# into it.
#
# Without KDIR: extract the base (ci/base.sh: BASE=mainline, Debian's
# linux-source-7.3, under build/mainline/linux; BASE=6.12, Debian's
# linux-source-6.12, under build/linux), make it a git repository whose
# first commit is tagged 'base', then apply the base's series with git am.  Re-running is cheap: a tree already in the wanted state is left
# alone, and a tree in another state is reset to 'base' and re-patched, so only
# the files the series touches change.
#
# Environment:
#   KDIR=/path   use that tree as it is (a reviewer's revision); apply nothing
#   PATCHES=none apply no patch (the bare base)
#   PATCHES=glue apply only the first patch, the KUnit glue: the bare base
#                under the suite
#   UPTO=N       apply only the first N patches
#   SERIES=NAME  which series (ci/series.sh): ours (default), upstream,
#                upstream-fixes
#   TREE_RESET=1 discard changes made in the tree since it was prepared;
#                without it such a tree is refused
#
# On any failure the tree is left at 'base' with no state file, so no later
# step can mistake it for a prepared tree.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/ci/base.sh"

die() {
	echo "prepare-tree: error: $*" >&2
	exit 1
}

# Copy the suite's files into the tree.  The tree's arch/arm64/mm/Makefile,
# as the patches leave it, says which of them are built: each patch adds the
# suites of the fix it makes.
install_suite() {
	local tree=$1 f dst

	for f in "$top"/kunit/*.[ch]; do
		dst="$tree/arch/arm64/mm/$(basename "$f")"
		# Copy only on change so that kbuild does not rebuild it.
		cmp -s "$f" "$dst" || cp "$f" "$dst"
	done
	# A suite file that kunit/ no longer has must not stay behind.
	for dst in "$tree"/arch/arm64/mm/hotremove_kunit*.[ch]; do
		[ -e "$dst" ] && [ ! -e "$top/kunit/$(basename "$dst")" ] &&
			! git -C "$tree" ls-files --error-unmatch "$dst" >/dev/null 2>&1 &&
			rm -f "$dst"
	done
	return 0
}

if [ -n "${KDIR:-}" ]; then
	[ "${SERIES:-ours}" = ours ] ||
		die "KDIR=$KDIR is used as it is, with no series applied: drop SERIES=$SERIES, or drop KDIR to build that series"
	[ -f "$KDIR/Makefile" ] && [ -f "$KDIR/arch/arm64/mm/mmu.c" ] &&
		[ -x "$KDIR/tools/testing/kunit/kunit.py" ] ||
		die "KDIR=$KDIR is not a Linux source tree (no arch/arm64/mm/mmu.c or kunit.py): point KDIR at the top of a kernel tree"
	grep -q "ARM64_MM_HOTREMOVE_KUNIT_TEST" "$KDIR/arch/arm64/Kconfig.debug" ||
		die "KDIR=$KDIR lacks the suite's Kconfig symbol: apply $base_patches/0001-*.patch to it first (git am)"
	install_suite "$KDIR"
	exit 0
fi

tree=$base_tree
rel=${tree#"$top"/}
. "$top/ci/series.sh"
patches=("${series_patches[@]}")

case "${PATCHES:-all}" in
none) patches=() ;;
glue) patches=("${patches[@]:0:1}") ;;
all) ;;
*) die "PATCHES=${PATCHES} is not understood: use PATCHES=none, PATCHES=glue, or UPTO=N for the first N patches" ;;
esac

if [ -n "${UPTO:-}" ]; then
	[[ "$UPTO" =~ ^[0-9]+$ ]] && [ "$UPTO" -le "${#patches[@]}" ] ||
		die "UPTO=$UPTO is not a patch count: use 0..${#patches[@]}"
	patches=("${patches[@]:0:$UPTO}")
fi

# The wanted state: base version and the content of every patch to apply.
want="base=$BASE_VERSION"
for p in "${patches[@]}"; do
	want+=" $(basename "$p"):$(sha1sum <"$p" | cut -c1-12)"
done
state="$tree/.git/hotremove-state"

# Commits are made with a fixed identity: a fresh machine may have none.
g() {
	git -C "$1" -c user.name=hotremove -c user.email=hotremove@localhost "${@:2}"
}

if [ -f "$state" ] && [ "$(cat "$state")" = "$want" ]; then
	# A tree in the wanted state must also be exactly that state: an edit
	# by hand, or a mutant or test-first step that was interrupted, would
	# otherwise be tested, and reported, as the series.
	changes=$(git -C "$tree" status --porcelain -uno | wc -l)
	[ "$(git -C "$tree" rev-parse HEAD)" = "$(git -C "$tree" rev-parse -q --verify series)" ] ||
		changes=$((changes + 1))
	if [ "$changes" -eq 0 ]; then
		install_suite "$tree"
		exit 0
	fi
	[ "${TREE_RESET:-}" = 1 ] ||
		die "$rel has changes of its own ($changes, 'git -C $rel status'): 'make tree TREE_RESET=1' puts it back to the series; KDIR=\$PWD/$rel tests it as it is"
	echo "prepare-tree: TREE_RESET=1: discarding the changes in $rel"
fi

if [ "$BASE" = mainline ]; then
	have=$(cat "$(dirname "$BASE_TARBALL")/../../VERSION" 2>/dev/null || true)
	[ -f "$BASE_TARBALL" ] && [ -n "$have" ] ||
		die "${BASE_TARBALL#"$top"/} is missing: run 'make deps' (it fetches $BASE_PKG)"
else
	have=$(dpkg-query -W -f '${Version}' "$BASE_PKG" 2>/dev/null || true)
	[ -f "$BASE_TARBALL" ] && [ -n "$have" ] ||
		die "$BASE_TARBALL is missing: run 'make deps' as root (apt-get install $BASE_PKG)"
fi
if [ "$have" != "$BASE_VERSION" ]; then
	if dpkg --compare-versions "$have" gt "$BASE_VERSION"; then
		echo "prepare-tree: warning: $BASE_PKG is $have, the series is pinned to $BASE_VERSION; results may differ" >&2
	else
		die "$BASE_PKG $have is older than the pinned $BASE_VERSION: run 'make deps' (as root for 6.12)"
	fi
fi

if ! git -C "$tree" rev-parse -q --verify refs/tags/base >/dev/null 2>&1 ||
   [ "$(git -C "$tree" log -1 --format=%s base)" != "base: $BASE_PKG $have" ]; then
	echo "prepare-tree: extracting $BASE_PKG $have into $rel"
	rm -rf "$tree" "$tree.tmp"
	mkdir -p "$tree.tmp"
	tar -C "$tree.tmp" --strip-components=1 -xf "$BASE_TARBALL"
	git -C "$tree.tmp" init -q
	# git's automatic repack of the 90,000 new objects would take a core
	# from the first kernel build for minutes.
	git -C "$tree.tmp" config gc.auto 0
	g "$tree.tmp" add -A -f
	g "$tree.tmp" commit -q -m "base: $BASE_PKG $have"
	git -C "$tree.tmp" tag base
	mv "$tree.tmp" "$tree"
fi

rm -f "$state"
git -C "$tree" am --abort >/dev/null 2>&1 || true
# Remember the files the previous series touched and their times: those it
# leaves as they were get their times back, so kbuild does not rebuild them.
old=$(git -C "$tree" rev-parse HEAD)
times=$(cd "$tree" && git diff --name-only base "$old" |
	while read -r f; do [ -f "$f" ] && stat -c '%Y %n' "$f"; done)
git -C "$tree" checkout -q -f --detach base
git -C "$tree" reset -q --hard base
git -C "$tree" clean -fdq

if [ "${#patches[@]}" -gt 0 ]; then
	if ! g "$tree" am -q --keep-cr "${patches[@]}" >"$tree/.git/am.log" 2>&1; then
		failed=$(sed -n 's/^Applying: //p' "$tree/.git/am.log" | tail -n 1)
		git -C "$tree" am --abort >/dev/null 2>&1 || true
		git -C "$tree" reset -q --hard base
		die "patch '$failed' does not apply to $BASE_PKG $have: refresh it against $rel (tag 'base') and re-export $base_patches/"
	fi
fi
git -C "$tree" tag -f series >/dev/null
changed=$(git -C "$tree" diff --name-only "$old" HEAD)
while read -r t f; do
	[ -n "$f" ] && [ -f "$tree/$f" ] || continue
	grep -qxF "$f" <<<"$changed" || touch -d "@$t" "$tree/$f"
done <<<"$times"
install_suite "$tree"
echo "$want" >"$state"
echo "prepare-tree: $rel is $BASE_PKG $have + ${#patches[@]} patch(es) of series $series"
