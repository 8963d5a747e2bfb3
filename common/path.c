/* common/path.c: path helpers and the atomic file write. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/path.h"
#include "common/xalloc.h"

size_t
st_path_join_size(const char *dir, size_t n, const char *name)
{
    return n + !(n > 0 && dir[n - 1] == '/') + strlen(name) + 1;
}

char *
st_path_join_into(char *out, const char *dir, size_t n, const char *name)
{
    size_t m = strlen(name) + 1;
    bool sep = !(n > 0 && dir[n - 1] == '/');

    /* By hand, not printf: a chain walk joins twice per layer, and
     * printf's machinery was a tenth of a deep walk's instructions. */
    memcpy(out, dir, n);
    if (sep)
        out[n] = '/';
    memcpy(out + n + sep, name, m);
    return out;
}

char *
st_path_join(const char *dir, const char *name)
{
    size_t n = strlen(dir);

    if (name[0] == '/')
        return st_xstrdup(name);
    return st_path_join_into(st_xmalloc(st_path_join_size(dir, n, name)), dir, n, name);
}

const char *
st_path_dirname_span(const char *path, size_t *len)
{
    const char *slash = strrchr(path, '/');

    if (!slash) {
        *len = 1;
        return ".";
    }
    /* Drop repeated slashes before the last component. */
    while (slash > path && slash[-1] == '/')
        slash--;
    *len = slash == path ? 1 : (size_t) (slash - path);
    return path;
}

char *
st_path_dirname(const char *path)
{
    size_t n;
    const char *dir = st_path_dirname_span(path, &n);

    return st_xstrndup(dir, n);
}

char *
st_path_basename(const char *path)
{
    const char *slash = strrchr(path, '/');

    return st_xstrdup(slash ? slash + 1 : path);
}

char *
st_path_absolute(const char *path, struct st_error **errp)
{
    CLEANUP_FREE char *cwd = NULL;

    if (path[0] == '/')
        return st_xstrdup(path);
    if (!(cwd = getcwd(NULL, 0))) {
        st_error_set_errno(errp, errno, ST_E_IO, "cannot get the current directory");
        return NULL;
    }
    return st_path_join(cwd, path);
}

char *
st_path_read_tail(const char *path, size_t max, struct st_error **errp)
{
    CLEANUP_CLOSE int fd = -1;
    CLEANUP_FREE char *buf = NULL;
    struct stat st;
    off_t from = 0;
    size_t len = 0;

    if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0 || fstat(fd, &st) < 0) {
        st_error_set_errno(errp, errno, ST_E_IO, "cannot read '%s'", path);
        st_error_set_path(errp, path);
        return NULL;
    }
    if (S_ISREG(st.st_mode) && (uintmax_t) st.st_size > max)
        from = st.st_size - (off_t) max;
    buf = st_xmalloc(max + 1);
    while (len < max) {
        ssize_t r = pread(fd, buf + len, max - len, from + (off_t) len);

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            st_error_set_errno(errp, errno, ST_E_IO, "cannot read '%s'", path);
            st_error_set_path(errp, path);
            return NULL;
        }
        if (r == 0)
            break;
        len += (size_t) r;
    }
    buf[len] = '\0';
    return ST_STEAL(&buf);
}

bool
st_path_exists(const char *path)
{
    struct stat st;

    return lstat(path, &st) == 0;
}

char *
st_path_read(const char *path, size_t max, size_t *lenp, struct st_error **errp)
{
    CLEANUP_CLOSE int fd = -1;
    CLEANUP_FREE char *buf = NULL;
    struct stat st;
    size_t len = 0;
    size_t cap;

    if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
        st_error_set_errno(errp, errno, ST_E_IO, "cannot open '%s'", path);
        st_error_set_path(errp, path);
        return NULL;
    }
    if (fstat(fd, &st) < 0) {
        st_error_set_errno(errp, errno, ST_E_IO, "cannot stat '%s'", path);
        st_error_set_path(errp, path);
        return NULL;
    }
    if (S_ISREG(st.st_mode) && (uintmax_t) st.st_size > max) {
        st_error_set_errno(errp, EFBIG, ST_E_IO, "'%s' is larger than %zu bytes", path, max);
        st_error_set_path(errp, path);
        return NULL;
    }
    /* Room for the whole file, the NUL, and the byte that lets the read
     * which sees end-of-file happen without growing the buffer. */
    cap = S_ISREG(st.st_mode) ? (size_t) st.st_size + 2 : 4096;
    buf = st_xmalloc(cap);
    for (;;) {
        ssize_t r;

        if (len + 1 >= cap) {
            if (cap > max) {
                st_error_set_errno(errp, EFBIG, ST_E_IO, "'%s' is larger than %zu bytes",
                                   path, max);
                st_error_set_path(errp, path);
                return NULL;
            }
            cap *= 2;
            buf = st_xrealloc(buf, cap);
        }
        r = read(fd, buf + len, cap - len - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            st_error_set_errno(errp, errno, ST_E_IO, "cannot read '%s'", path);
            st_error_set_path(errp, path);
            return NULL;
        }
        if (r == 0)
            break;
        len += (size_t) r;
        if (len > max) {
            st_error_set_errno(errp, EFBIG, ST_E_IO, "'%s' is larger than %zu bytes", path, max);
            st_error_set_path(errp, path);
            return NULL;
        }
    }
    buf[len] = '\0';
    if (lenp)
        *lenp = len;
    return ST_STEAL(&buf);
}

bool
st_path_fsync_dir(const char *path, struct st_error **errp)
{
    CLEANUP_FREE char *dir = st_path_dirname(path);
    CLEANUP_CLOSE int fd = -1;

    if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        st_error_set_errno(errp, errno, ST_E_IO, "cannot open directory '%s'", dir);
        st_error_set_path(errp, dir);
        return false;
    }
    if (fsync(fd) < 0 && errno != EINVAL) {
        st_error_set_errno(errp, errno, ST_E_IO, "cannot sync directory '%s'", dir);
        st_error_set_path(errp, dir);
        return false;
    }
    return true;
}

bool
st_path_write_atomic_with(const char *path, mode_t mode, st_path_writer_fn writer,
                          void *opaque, struct st_error **errp)
{
    CLEANUP_FREE char *tmp = st_xasprintf("%s.tmp.XXXXXX", path);
    FILE *fp = NULL;
    int fd;

    if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
        st_error_set_errno(errp, errno, ST_E_IO, "cannot create a temporary file beside '%s'",
                           path);
        st_error_set_path(errp, path);
        return false;
    }
    if (fchmod(fd, mode) < 0) {
        st_error_set_errno(errp, errno, ST_E_IO, "cannot set the mode of '%s'", tmp);
        st_error_set_path(errp, tmp);
        close(fd);
        goto error;
    }
    if (!(fp = fdopen(fd, "w"))) {
        st_error_set_errno(errp, errno, ST_E_IO, "cannot write '%s'", tmp);
        close(fd);
        goto error;
    }
    if (!writer(fp, opaque, errp))
        goto error;
    if (fflush(fp) != 0 || ferror(fp)) {
        st_error_set_errno(errp, errno, ST_E_IO, "cannot write '%s'", tmp);
        st_error_set_path(errp, path);
        goto error;
    }
    if (fsync(fileno(fp)) < 0) {
        st_error_set_errno(errp, errno, ST_E_IO, "cannot sync '%s'", tmp);
        st_error_set_path(errp, path);
        goto error;
    }
    if (fclose(fp) != 0) {
        fp = NULL;
        st_error_set_errno(errp, errno, ST_E_IO, "cannot write '%s'", tmp);
        st_error_set_path(errp, path);
        goto error;
    }
    fp = NULL;
    if (rename(tmp, path) < 0) {
        st_error_set_errno(errp, errno, ST_E_IO, "cannot rename '%s' to '%s'", tmp, path);
        st_error_set_path(errp, path);
        goto error;
    }
    return st_path_fsync_dir(path, errp);

 error:
    /* The target was never touched; remove only our temporary file. */
    if (fp)
        fclose(fp);
    unlink(tmp);
    return false;
}

struct buffer {
    const void *data;
    size_t len;
};

static bool
write_buffer(FILE *fp, void *opaque, struct st_error **errp)
{
    const struct buffer *b = opaque;

    if (b->len && fwrite(b->data, 1, b->len, fp) != b->len) {
        st_error_set_errno(errp, errno, ST_E_IO, "short write");
        return false;
    }
    return true;
}

bool
st_path_write_atomic(const char *path, mode_t mode, const void *data, size_t len,
                     struct st_error **errp)
{
    struct buffer b = { data, len };

    return st_path_write_atomic_with(path, mode, write_buffer, &b, errp);
}

bool
st_path_mkdir_p(const char *path, mode_t mode, struct st_error **errp)
{
    CLEANUP_FREE char *copy = st_xstrdup(path);
    struct stat st;

    for (char *p = copy + 1; ; p++) {
        const bool end = (*p == '\0');

        if (*p != '/' && !end)
            continue;
        *p = '\0';
        if (mkdir(copy, mode) < 0 && errno != EEXIST) {
            st_error_set_errno(errp, errno, ST_E_IO, "cannot create directory '%s'", copy);
            st_error_set_path(errp, copy);
            return false;
        }
        if (end)
            break;
        *p = '/';
    }
    if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
        st_error_set_errno(errp, errno ? errno : ENOTDIR, ST_E_IO, "'%s' is not a directory",
                           path);
        st_error_set_path(errp, path);
        return false;
    }
    return true;
}

static bool
remove_at(int parent, const char *name, const char *shown, struct st_error **errp)
{
    struct stat st;

    if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
        if (errno == ENOENT)
            return true;
        st_error_set_errno(errp, errno, ST_E_IO, "cannot stat '%s'", shown);
        return false;
    }
    if (S_ISDIR(st.st_mode)) {
        int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        DIR *d;
        struct dirent *de;

        if (fd < 0 || !(d = fdopendir(fd))) {
            st_error_set_errno(errp, errno, ST_E_IO, "cannot open directory '%s'", shown);
            if (fd >= 0)
                close(fd);
            return false;
        }
        while ((de = readdir(d))) {
            CLEANUP_FREE char *child = NULL;

            if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                continue;
            child = st_xasprintf("%s/%s", shown, de->d_name);
            if (!remove_at(dirfd(d), de->d_name, child, errp)) {
                closedir(d);
                return false;
            }
        }
        closedir(d);
        if (unlinkat(parent, name, AT_REMOVEDIR) < 0) {
            st_error_set_errno(errp, errno, ST_E_IO, "cannot remove directory '%s'", shown);
            return false;
        }
        return true;
    }
    if (unlinkat(parent, name, 0) < 0 && errno != ENOENT) {
        st_error_set_errno(errp, errno, ST_E_IO, "cannot remove '%s'", shown);
        return false;
    }
    return true;
}

bool
st_path_remove_tree(const char *path, struct st_error **errp)
{
    return remove_at(AT_FDCWD, path, path, errp);
}
