# Loopback servers for ej-sync's tests: git daemon (git://) and sshd
# (ssh://), each on a free high port of 127.0.0.1, with everything they
# need in a directory of their own. Sourced by tests/cli/ej-sync.bats.

# A port nobody listens on (bash's /dev/tcp tells).
free_port() {
	local p i
	for i in $(seq 1 50); do
		p=$((20000 + RANDOM % 30000))
		if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then
			echo $p
			return 0
		fi
	done
	return 1
}

# Wait until something listens on the port (up to ~10 s).
wait_port() {
	local i
	for i in $(seq 1 200); do
		(exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# git daemon serving DIR's repositories, pushes allowed: sets GITD_PORT,
# GITD_PID.
start_git_daemon() {
	local dir=$1 try
	for try in 1 2 3; do
		GITD_PORT=$(free_port) || return 1
		git daemon --export-all --enable=receive-pack --reuseaddr \
		    --base-path="$dir" --listen=127.0.0.1 --port="$GITD_PORT" \
		    --detach --pid-file="$dir/git-daemon.pid" "$dir" \
		    2>>"$dir/git-daemon.log" || continue
		if wait_port "$GITD_PORT"; then
			GITD_PID=$(cat "$dir/git-daemon.pid")
			return 0
		fi
		[ -f "$dir/git-daemon.pid" ] && kill "$(cat "$dir/git-daemon.pid")" 2>/dev/null
	done
	return 1
}

stop_git_daemon() {
	[ -n "$GITD_PID" ] && kill "$GITD_PID" 2>/dev/null
	GITD_PID=
}

# sshd as the current user, a throw-away host key and a user key in DIR:
# sets SSHD_PORT, SSHD_PID, SSH_USER_KEY (private key file) and
# SSH_HOST_PUB (the host's public key line).
start_sshd() {
	local dir=$1 try
	[ -x /usr/sbin/sshd ] || return 2
	mkdir -p /run/sshd 2>/dev/null
	ssh-keygen -q -t ed25519 -N '' -f "$dir/host_key" || return 1
	ssh-keygen -q -t ed25519 -N '' -f "$dir/user_key" || return 1
	cp "$dir/user_key.pub" "$dir/authorized_keys"
	SSH_USER_KEY=$dir/user_key
	SSH_HOST_PUB=$(cut -d' ' -f1,2 "$dir/host_key.pub")
	for try in 1 2 3; do
		SSHD_PORT=$(free_port) || return 1
		cat > "$dir/sshd_config" <<-CONF
		Port $SSHD_PORT
		ListenAddress 127.0.0.1
		HostKey $dir/host_key
		PidFile $dir/sshd.pid
		AuthorizedKeysFile $dir/authorized_keys
		StrictModes no
		PermitRootLogin yes
		PubkeyAuthentication yes
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		UsePAM no
		LogLevel ERROR
		CONF
		/usr/sbin/sshd -f "$dir/sshd_config" -E "$dir/sshd.log" || continue
		if wait_port "$SSHD_PORT"; then
			SSHD_PID=$(cat "$dir/sshd.pid")
			return 0
		fi
		[ -f "$dir/sshd.pid" ] && kill "$(cat "$dir/sshd.pid")" 2>/dev/null
	done
	return 1
}

stop_sshd() {
	[ -n "$SSHD_PID" ] && kill "$SSHD_PID" 2>/dev/null
	SSHD_PID=
}
