# bash completion for gwctl(8). Verbs and their options come from
# `gwctl help`, so they never drift from the program; FILE arguments
# complete YAML files; --class completes the drop classes and rule names
# and --uplink the uplink names of a running gatewayd.

_gwctl_synopses() {
    # "  apply [FILE] [--confirm SECONDS]   summary" -> "apply [FILE] [--confirm SECONDS]"
    gwctl help 2>/dev/null | sed -n 's/^  \([a-z][a-z-]*\( [^ ]\{1,\}\)*\)  .*/\1/p'
}

_gwctl_uplinks() {
    busctl --json=short get-property net.gatewayd.Gateway1 /net/gatewayd/Gateway1 \
        net.gatewayd.Gateway1 Uplinks 2>/dev/null |
        grep -o '\[\["[^"]*"\|\],\["[^"]*"' | sed 's/.*"\([^"]*\)"$/\1/'
}

_gwctl_classes() {
    gwctl status --json 2>/dev/null | grep -o '"name": *"[^"]*"' | sed 's/.*"\([^"]*\)"$/\1/' | sort -u
}

_gwctl() {
    local cur prev verb synopsis
    COMPREPLY=()
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W "$(_gwctl_synopses | cut -d' ' -f1) help" -- "$cur"))
        return
    fi
    verb=${COMP_WORDS[1]}
    synopsis=$(_gwctl_synopses | grep "^$verb\( \|$\)" | head -n 1)
    case $prev in
        --class) COMPREPLY=($(compgen -W "$(_gwctl_classes)" -- "$cur")); return ;;
        --uplink) COMPREPLY=($(compgen -W "$(_gwctl_uplinks | sed 's/$/=/')" -- "$cur")); compopt -o nospace 2>/dev/null; return ;;
        --confirm|--since|--generation|-n) return ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(printf '%s\n' "$synopsis" | grep -o -- '--[a-z-]*' | sort -u)" -- "$cur"))
        return
    fi
    case $synopsis in
        *FILE*) COMPREPLY=($(compgen -f -X '!*.@(yaml|yml)' -- "$cur") $(compgen -d -- "$cur")) ;;
        *UPLINK*) COMPREPLY=($(compgen -W "$(_gwctl_uplinks)" -- "$cur")) ;;
    esac
}
complete -F _gwctl gwctl
