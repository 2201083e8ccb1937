/* blind_corpus.c - a blind corpus classified and counted (blind_corpus.h). */
#include "blind_corpus.h"

#include "opsgate/error.h"
#include "opsgate/util.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *ext, *media;
} media_of[] = {
    {".txt", "text/plain"},
    {".md", "text/markdown"},
    {".html", "text/html"},
    {".htm", "text/html"},
    {".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
};

static const char *doc_media(const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < sizeof(media_of) / sizeof(media_of[0]); i++) {
        size_t el = strlen(media_of[i].ext);
        if (len > el && strcmp(name + len - el, media_of[i].ext) == 0)
            return media_of[i].media;
    }
    return NULL;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The documents' names in dir, sorted; *n of them (at most OG_BLIND_DOCS). *out: caller frees
 * each name and the array, also on failure. */
static int doc_names(const char *dir, char ***out, size_t *n)
{
    DIR *d = opendir(dir);
    int rc = 0;
    *out = NULL;
    *n = 0;
    if (!d)
        return og_error_set(OG_ENOTFOUND, "%s is absent", dir);
    if (!(*out = calloc(OG_BLIND_DOCS, sizeof(char *)))) {
        rc = og_error_set(OG_ERROR, "out of memory");
        goto out;
    }
    for (struct dirent *e; rc == 0 && (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.' || strncmp(e->d_name, "README", 6) == 0 || !doc_media(e->d_name))
            continue;
        if (*n == OG_BLIND_DOCS)
            rc = og_error_set(OG_ETOOBIG, "%s holds more than %d documents", dir, OG_BLIND_DOCS);
        else if (!((*out)[*n] = strdup(e->d_name)))
            rc = og_error_set(OG_ERROR, "out of memory");
        else
            (*n)++;
    }
    if (rc == 0 && *n == 0)
        rc = og_error_set(OG_ENOTFOUND, "%s holds no documents", dir);
    if (rc == 0)
        qsort(*out, *n, sizeof(char *), by_name);
out:
    closedir(d);
    return rc;
}

/* One document: its language's slot in r, its true kind, its predicted kind. */
static int eval_one(const og_infer_doc_model *m, const char *dir, const char *name,
                    og_blind_result *r)
{
    const char *dash = strchr(name, '-'), *last = strrchr(name, '-');
    char lang[8], kind[32], path[1400], *data = NULL, *text = NULL;
    size_t len = 0;
    double conf = 0;
    int rc = 0, l = 0, p = -1;
    if (!dash || last <= dash || (size_t)(dash - name) >= sizeof(lang))
        return og_error_set(OG_EINVAL, "%s: not <lang>-<kind>-<n>.<ext>", name);
    snprintf(lang, sizeof(lang), "%.*s", (int)(dash - name), name);
    snprintf(kind, sizeof(kind), "%.*s", (int)(last - dash - 1), dash + 1);
    int truth = og_infer_doc_kind_index(kind);
    if (truth < 0)
        return og_error_set(OG_EINVAL, "%s: %s is no kind", name, kind);
    while (l < r->nlangs && strcmp(r->langs[l], lang) != 0)
        l++;
    if (l == OG_BLIND_LANGS)
        return og_error_set(OG_EINVAL, "%s: more than %d languages", name, OG_BLIND_LANGS);
    if (l == r->nlangs)
        snprintf(r->langs[r->nlangs++], sizeof(r->langs[0]), "%s", lang);
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if ((rc = og_file_read(path, OG_INFER_DOC_TEXT_MAX, &data, &len)) < 0)
        goto out;
    if ((rc = og_infer_doc_text(data, len, doc_media(name), &text)) < 0)
        goto out;
    if (strlen(text) < 40) { /* a reader that lost the text would make the count meaningless */
        rc = og_error_set(OG_EINVAL, "%s: only %zu bytes of text read", name, strlen(text));
        goto out;
    }
    p = og_infer_doc_predict(m, text, &conf);
    if (p < 0 || p >= OG_INFER_DOC_NKINDS) {
        rc = og_error_set(OG_EINVAL, "%s: no kind predicted (%s)", name, og_error_last());
        goto out;
    }
    r->docs++;
    r->lang_docs[l]++;
    r->kind_docs[truth]++;
    r->confusion[truth][p]++;
    if (p == truth) {
        r->right++;
        r->lang_right[l]++;
        r->kind_right[truth]++;
    } else if (r->nmisses < OG_BLIND_MISSES) {
        og_blind_miss *x = &r->misses[r->nmisses++];
        snprintf(x->name, sizeof(x->name), "%s", name);
        x->truth = truth;
        x->taken = p;
        x->confidence = conf;
    }
out:
    free(data);
    free(text);
    return rc;
}

int og_blind_eval(const og_infer_doc_model *m, const char *dir, og_blind_result *r)
{
    char **names = NULL;
    size_t n = 0;
    memset(r, 0, sizeof(*r));
    int rc = doc_names(dir, &names, &n);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = eval_one(m, dir, names[i], r);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

double og_blind_accuracy(const og_blind_result *r)
{
    return r->docs ? (double)r->right / r->docs : 0;
}

#define CELL_ADD(...)                                                                              \
    do {                                                                                           \
        size_t at_ = strlen(buf);                                                                  \
        if (at_ < size)                                                                            \
            snprintf(buf + at_, size - at_, __VA_ARGS__);                                          \
    } while (0)

void og_blind_cell(const og_blind_result *r, const char *what, char *buf, size_t size)
{
    int any = 0;
    if (size == 0)
        return;
    buf[0] = '\0';
    if (strcmp(what, "lang") == 0) {
        for (int l = 0; l < r->nlangs; l++)
            CELL_ADD("%s%s %d/%d", l ? ", " : "", r->langs[l], r->lang_right[l], r->lang_docs[l]);
        return;
    }
    for (int t = 0; t < OG_INFER_DOC_NKINDS; t++) {
        if (strcmp(what, "kind") == 0) {
            if (r->kind_docs[t])
                CELL_ADD("%s%s %d/%d", any++ ? ", " : "", og_infer_doc_kinds[t], r->kind_right[t],
                         r->kind_docs[t]);
            continue;
        }
        for (int p = 0; p < OG_INFER_DOC_NKINDS; p++)
            if (p != t && r->confusion[t][p])
                CELL_ADD("%s%s -> %s: %d", any++ ? ", " : "", og_infer_doc_kinds[t],
                         og_infer_doc_kinds[p], r->confusion[t][p]);
    }
    if (!any && strcmp(what, "pairs") == 0)
        CELL_ADD("none");
}

void og_blind_print(FILE *out, const char *corpus, const og_blind_result *r, int name_misses)
{
    char cell[1024];
    double acc = og_blind_accuracy(r);
    fprintf(out, "%s: all %d of %d = %.3f; the issue's aim >= %.2f: %s\n", corpus, r->right,
            r->docs, acc, OG_BLIND_AIM, acc >= OG_BLIND_AIM ? "MET" : "MISSED");
    og_blind_cell(r, "lang", cell, sizeof(cell));
    fprintf(out, "%s: per language: %s\n", corpus, cell);
    og_blind_cell(r, "kind", cell, sizeof(cell));
    fprintf(out, "%s: per kind: %s\n", corpus, cell);
    og_blind_cell(r, "pairs", cell, sizeof(cell));
    fprintf(out, "%s: confusion pairs (truth -> taken for): %s\n", corpus, cell);
    if (!name_misses && r->nmisses) {
        fprintf(out, "%s: %d missed documents not named (a held-back corpus: counts only)\n",
                corpus, r->docs - r->right);
        return;
    }
    for (int i = 0; i < r->nmisses; i++)
        fprintf(out, "%s: %s taken for %s (%.2f)\n", corpus, r->misses[i].name,
                og_infer_doc_kinds[r->misses[i].taken], r->misses[i].confidence);
}
