#ifndef AGENTHOST_CEDITLINE_SHIM_H
#define AGENTHOST_CEDITLINE_SHIM_H
/* libedit (BSD editline) for the chat's line editing and history. Its
 * el_set, el_get and history calls are variadic, which Swift cannot call:
 * each use gets a small function here. Call all of them from one thread. */
#include <histedit.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* The prompt is the editor's client data, a C string that outlives it. */
static inline char *ceditline_prompt(EditLine *el) {
    void *data = NULL;
    el_get(el, EL_CLIENTDATA, &data);
    return data ? (char *)data : (char *)"";
}

/* An editor on the process's stdin, stdout and stderr, emacs key bindings,
 * without its own signal handlers (the host handles SIGINT and SIGTERM). */
static inline EditLine *ceditline_open(const char *program, const char *prompt, History *h) {
    EditLine *el = el_init(program, stdin, stdout, stderr);
    if (el == NULL) return NULL;
    el_set(el, EL_EDITOR, "emacs");
    el_set(el, EL_SIGNAL, 0);
    el_set(el, EL_CLIENTDATA, (void *)prompt);
    el_set(el, EL_PROMPT, ceditline_prompt);
    if (h != NULL) el_set(el, EL_HIST, history, h);
    return el;
}

static inline History *ceditline_history_open(int size) {
    History *h = history_init();
    if (h == NULL) return NULL;
    HistEvent event;
    history(h, &event, H_SETSIZE, size);
    history(h, &event, H_SETUNIQUE, 1);
    return h;
}

static inline int ceditline_history_enter(History *h, const char *line) {
    HistEvent event;
    return history(h, &event, H_ENTER, line);
}

static inline int ceditline_history_load(History *h, const char *path) {
    HistEvent event;
    return history(h, &event, H_LOAD, path);
}

static inline int ceditline_history_save(History *h, const char *path) {
    HistEvent event;
    return history(h, &event, H_SAVE, path);
}

/* The width of the terminal on fd, or 0 when it is not one or does not say. */
static inline int ceditline_columns(int fd) {
    struct winsize size;
    if (ioctl(fd, TIOCGWINSZ, &size) != 0) return 0;
    return size.ws_col;
}
#endif
