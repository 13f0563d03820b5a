# tabcloud's login set-up for the serial console, after Debian's /etc/profile.

# An instance launched from its image's boot snapshot was saved with this shell waiting here;
# the agent opens the gate once the clone has its own host name, clock and network.
[ -p /run/tabcloud/console-gate ] && read -r _ < /run/tabcloud/console-gate

# BusyBox init starts the console's shell with no HOME: root's, as login would set it.
export HOME=/root
cd "$HOME" || true
export TERM=xterm-256color
export LANG=C.UTF-8
export PAGER=less
export EDITOR=vi
# The serial console has no size of its own: the host says what the browser's terminal shows.
if [ -r /run/tabcloud/winsize ] && [ -t 0 ]; then
  read -r rows cols < /run/tabcloud/winsize
  stty rows "$rows" cols "$cols" 2>/dev/null
  unset rows cols
fi
