#!/bin/sh
# jailsmith lsh: sshd's ForceCommand for a login user with an allow-list (`jailsmith user add
# --allow`), in the spirit of jailkit's jk_lsh. Installed root-owned inside the jail, as is the
# list (its one argument); the user can change neither. The requested command is split into words
# on blanks, never given to a shell (no globbing, no ; | $() or redirections), and its first word
# must be a listed path or the last component of one. Then that path runs with the other words.
set -f
list=${1:?usage: lsh LIST}
request=${SSH_ORIGINAL_COMMAND-}
if [ -z "$request" ]; then
	echo "jailsmith: no interactive login here; allowed commands:" >&2
	while IFS= read -r line; do
		case $line in '' | '#'*) ;; *) echo "  $line" >&2 ;; esac
	done <"$list"
	exit 1
fi
# shellcheck disable=SC2086 # word splitting is the point; set -f turned globbing off
set -- $request
want=$1
shift
while IFS= read -r line; do
	case $line in
	'' | '#'*) continue ;;
	esac
	if [ "$line" = "$want" ] || [ "${line##*/}" = "$want" ]; then
		exec "$line" "$@"
	fi
done <"$list"
echo "jailsmith: command not allowed: $want" >&2
exit 126
