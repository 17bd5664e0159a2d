"""Local users a test needs but the host does not have, without adding them
to the host: copies of /etc/passwd and /etc/group with the extra users
appended are bind-mounted over the real files in a private mount namespace
that lives only as long as the one command `wrap` starts, so nothing is
left to unmount, even when the test fails."""
import grp
import pathlib
import pwd

# Below systemd's dynamic-user range (61184-65519), which nss-systemd
# answers for without any file listing it.
FIRST_ID, LAST_ID = 2000, 60000

# Binds the two copies, then runs the command. unshare(1) gives the shell a
# new mount namespace with private propagation, so the binds are seen by
# the command and its children only, and vanish when they exit.
BIND = 'mount --bind "$1" /etc/passwd && mount --bind "$2" /etc/group && shift 2 && exec "$@"'


def _id_is_free(n):
    for lookup in (pwd.getpwuid, grp.getgrgid):
        try:
            lookup(n)
            return False
        except KeyError:
            pass
    return True


class AccountsOverlay:
    def __init__(self, directory, users):
        """Writes the copies into `directory`; each user in `users` gets a
        uid and a same-numbered primary group that the host does not use."""
        self.ids = {}
        taken = set()
        for name in users:
            n = next(i for i in range(FIRST_ID, LAST_ID) if i not in taken and _id_is_free(i))
            taken.add(n)
            self.ids[name] = (n, n)
        directory = pathlib.Path(directory)
        self.passwd, self.group = directory / "passwd", directory / "group"
        passwd = pathlib.Path("/etc/passwd").read_text().rstrip("\n") + "\n"
        group = pathlib.Path("/etc/group").read_text().rstrip("\n") + "\n"
        for name, (uid, gid) in self.ids.items():
            passwd += f"{name}:x:{uid}:{gid}:test account:/nonexistent:/usr/sbin/nologin\n"
            group += f"{name}:x:{gid}:\n"
        self.passwd.write_text(passwd)
        self.group.write_text(group)
        self.passwd.chmod(0o644)
        self.group.chmod(0o644)

    def lookup(self, name):
        """(uid, primary gid) of an added user or of a host user."""
        if name in self.ids:
            return self.ids[name]
        pw = pwd.getpwnam(name)
        return pw.pw_uid, pw.pw_gid

    def wrap(self, argv):
        """argv run where the added users exist."""
        return ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", BIND, "sh",
                str(self.passwd), str(self.group), *argv]
