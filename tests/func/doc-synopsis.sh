#!/usr/bin/env bash
# group: quick doc
# Every strata synopsis line of the man pages, and of each command's
# --help, parses with the program:
# each is expanded into invocations (the required words, then each
# optional group or alternative on its own, options where the synopsis
# puts them), placeholders filled in, and run against an empty state
# dir.  The objects do not exist, so each fails, if at all, with
# not-found or the like; a usage error (unknown command or option,
# misplaced option, wrong arguments) means the page and the program
# disagree.  Each --help also shows examples, which parse too, and names
# the man page that documents the command.  As doc-options.sh checks the
# option names, this checks the shapes.
source "$srcdir/tests/functions.sh"
set -euo pipefail
requires jq --version
requires perl -e 1
cd "$srcdir"

dir=$(mktempdir)

# expand FILE...: one invocation per line, words separated by tabs,
# "strata" and the placeholders left for the loop below to fill in.
expand() {
    perl -e '
        use strict; use warnings;
        # Parse tokens into a tree: a sequence is an array ref of items;
        # an item is a word (string), or {opt => 0|1, alts => [seq...]}.
        my @tok; my $pos;
        sub seq {
            my @items;
            while ($pos < @tok && $tok[$pos] !~ /^[\]}|]$/) {
                my $t = $tok[$pos++];
                if ($t eq "[" || $t eq "{") {
                    my @alts = (seq());
                    while ($pos < @tok && $tok[$pos] eq "|") { $pos++; push @alts, seq(); }
                    $pos++;     # the closing bracket
                    push @items, { opt => $t eq "[", alts => \@alts };
                } elsif ($t ne "...") {
                    push @items, $t;
                }
            }
            return \@items;
        }
        # base: the required words (first alternative of a choice);
        # variants: the base with one item varied.
        sub base {
            my ($s) = @_;
            return map { ref $_ ? ($_->{opt} ? () : base($_->{alts}[0])) : $_ } @$s;
        }
        sub item_variants {
            my ($it) = @_;
            my @v;
            for my $i (0 .. $#{ $it->{alts} }) {
                my $a = $it->{alts}[$i];
                push @v, [base($a)] if $it->{opt} || $i > 0;
                push @v, variants($a);
            }
            return @v;
        }
        sub variants {
            my ($s) = @_;
            my @out;
            for my $i (0 .. $#$s) {
                next unless ref $s->[$i];
                for my $v (item_variants($s->[$i])) {
                    push @out, [map { $_ == $i ? @$v : ref $s->[$_] ? ($s->[$_]{opt} ? () : base($s->[$_]{alts}[0])) : $s->[$_] } 0 .. $#$s];
                }
            }
            return @out;
        }
        my ($in, @lines) = (0);
        for my $file (@ARGV) {
            open my $fh, "<", $file or die "$file: $!";
            my $cur;
            while (<$fh>) {
                chomp;
                if (/^=head1 SYNOPSIS/) { $in = 1; next; }
                if (/^=/) { $in = 0; }
                next unless $in;
                if (/^ strata ([a-z].*)$/) {
                    push @lines, "$file\t$1";
                } elsif (/^\s{2,}(\S.*)$/) {
                    my $more = $1;
                    $lines[-1] .= " $more" if @lines && $lines[-1] =~ /^\Q$file\E\t/;
                }
            }
        }
        for my $l (@lines) {
            my ($file, $text) = split /\t/, $l, 2;
            # Optional parts inside a word (DEV=PATH[,format=F],
            # --keep-current[=NAME]) go; --help examples give the value.
            1 while $text =~ s/(?<=[\w=])\[[,=][^\]]*\]//;
            $text =~ s/(?<=\S)\.\.\.//g;      # DEV=PATH... repeats
            $text =~ s/([\[\]{}|])/ $1 /g;
            @tok = split " ", $text; $pos = 0;
            my $tree = seq();
            die "$file: cannot parse synopsis: $text\n" if $pos < @tok;
            print join("\t", $file, @$_), "\n" for [base($tree)], variants($tree);
        }' "$@"
}

# A value for every placeholder the synopses use.
fill() {
    case $1 in
    DOMAIN|DOM) echo nodom ;;
    NAME) echo n1 ;;
    S|S1|SNAPSHOT) echo s1 ;;
    S2) echo s2 ;;
    DEV|DISK) echo vda ;;
    FILE|FILE.xml) echo "$dir/none.file" ;;
    DIR) echo "$dir/none.dir" ;;
    DEV=PATH) echo "vda=$dir/none.qcow2" ;;
    OLD=NEW) echo "$dir/none.old=$dir/none.new" ;;
    unix:PATH) echo "unix:$dir/none.sock" ;;
    tcp:HOST:PORT) echo "tcp:127.0.0.1:1" ;;
    N) echo 1 ;;
    BYTES) echo 1048576 ;;
    SECONDS) echo 10 ;;
    ALG) echo xxh128-64k ;;
    DIGEST) printf '%032d\n' 0 ;;
    F) echo qcow2 ;;
    DESCRIPTION) echo "a description" ;;
    *[A-Z]*) fail "synopsis placeholder '$1' is unknown to this test: add it to fill()" ;;
    *) echo "$1" ;;
    esac
}

# Options that parse but are always refused, as their pages say.
refused_on_purpose() {
    case " ${args[*]} " in
    *" --quiesce "*) grep -q 'needs a guest agent' "$dir/err" ;;   # strata-snapshot-create(1)
    *) return 1 ;;
    esac
}

# run_parses WHERE ARGS...: strata ARGS must not fail with a usage
# error (a fresh, empty state dir each time).
n=0
run_parses() {
    local where=$1 rc=0
    shift
    args=("$@")
    n=$((n + 1))
    EDITOR=false VISUAL=false timeout 30 "$STRATA" --json --state-dir "$dir/state.$n" \
        --run-dir "$dir/run.$n" "$@" >"$dir/out" 2>"$dir/err" </dev/null || rc=$?
    case $rc in
    0|2) ;;
    1) jq -e '.error.code != "usage"' "$dir/out" >/dev/null 2>&1 || refused_on_purpose ||
           fail "$where: 'strata $*' is refused: $(cat "$dir/err")" ;;
    *) fail "$where: 'strata $*' exited $rc: $(cat "$dir/err")" ;;
    esac
}

# The program's own synopses (COMMAND --help) and examples, as a page.
cmds=$("$STRATA" --help | sed -n '/^Commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }')
{
    printf '=head1 SYNOPSIS\n\n'
    for cmd in $cmds; do "$STRATA" "$cmd" --help | sed -n '1s/^usage:/ /p'; done
} >"$dir/help.pod"
for cmd in $cmds; do
    "$STRATA" "$cmd" --help >"$dir/help"
    # The page it names documents it, and its examples parse.
    page=$(sed -n 's/^See \(strata[a-z-]*\)(1)\.$/\1/p' "$dir/help")
    [ -n "$page" ] || fail "'strata $cmd --help' names no man page: $(cat "$dir/help")"
    grep -Eq "^(=item B<$cmd>| strata $cmd( |\$))" "doc/$page.pod" ||
        fail "'strata $cmd --help' points to $page(1), which does not document $cmd"
    grep -q '^  strata ' "$dir/help" || fail "'strata $cmd --help' shows no example"
    while read -r line; do
        eval "ex=($line)"
        [ "${ex[0]}" = strata ] || fail "$cmd --help: example '$line' does not run strata"
        run_parses "$cmd --help example" "${ex[@]:1}"
    done < <(sed -n '/^Examples:$/,/^$/s/^  strata /strata /p' "$dir/help")
done

while IFS=$'\t' read -r -a words; do
    w_args=()
    for w in "${words[@]:1}"; do w_args+=("$(fill "$w")"); done
    run_parses "${words[0]}" "${w_args[@]}"
done < <(expand doc/*.pod "$dir/help.pod")
[ "$n" -gt 150 ] || fail "only $n invocations came from the synopses and examples"
echo "ok: $n invocations"
