/* lazy_libs.c - libxml2 and liblinear, loaded on first use: the functions of theirs infer calls.
 *
 * Neither is linked into the binary (util.h, "system libraries only some commands need"): they
 * and ICU and libstdc++ under them cost every process's start, and only document text (HTML,
 * DOCX) and model training use them. Each function below has the library's name and prototype
 * (the library's header checks it), finds the library's own once and calls it. When the library
 * cannot be loaded a function answers as the library does on failure (NULL; check_parameter the
 * message), and og_infer__libxml2() gives the paths that need libxml2 the clear error first. */
#include "infer/infer_internal.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <linear.h>
#include <string.h>

static og_lazylib libxml2 = {"libxml2.so.2", "libxml2", "reading HTML and DOCX documents"};
static og_lazylib liblinear = {"liblinear.so.4", "liblinear4", "training the inference models"};

/* The address of lib's sym in *slot, found once (NULL when the library cannot be loaded). */
static void *fn_of(og_lazylib *lib, void **slot, const char *sym)
{
    void *f = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (!f && og_lazylib_sym(lib, sym, &f) == 0)
        __atomic_store_n(slot, f, __ATOMIC_RELEASE);
    return f;
}

/* FN: fn_, a pointer to the library's function NAME (the one of this name there), or NULL. */
#define FN(lib, name)                                                                              \
    static void *slot_;                                                                            \
    __typeof__(&name) fn_; /* the library's function has this one's type */                        \
    void *p_ = fn_of(&(lib), &slot_, #name);                                                       \
    memcpy(&fn_, &p_, sizeof(fn_))

int og_infer__libxml2(void)
{
    return og_lazylib_load(&libxml2);
}

void og_infer__xml_free(void *p)
{
    static void *slot_;
    void *v = p ? fn_of(&libxml2, &slot_, "xmlFree") : NULL; /* a variable: xmlFreeFunc */
    xmlFreeFunc f = NULL;
    if (v)
        memcpy(&f, v, sizeof(f));
    if (f)
        f(p);
}

htmlDocPtr htmlReadMemory(const char *buffer, int size, const char *URL, const char *encoding,
                          int options)
{
    FN(libxml2, htmlReadMemory);
    return fn_ ? fn_(buffer, size, URL, encoding, options) : NULL;
}

xmlDocPtr xmlReadMemory(const char *buffer, int size, const char *URL, const char *encoding,
                        int options)
{
    FN(libxml2, xmlReadMemory);
    return fn_ ? fn_(buffer, size, URL, encoding, options) : NULL;
}

xmlNodePtr xmlDocGetRootElement(const xmlDoc *doc)
{
    FN(libxml2, xmlDocGetRootElement);
    return fn_ ? fn_(doc) : NULL;
}

void xmlFreeDoc(xmlDocPtr cur)
{
    if (!cur)
        return;
    FN(libxml2, xmlFreeDoc);
    if (fn_)
        fn_(cur);
}

xmlChar *xmlNodeGetContent(const xmlNode *cur)
{
    FN(libxml2, xmlNodeGetContent);
    return fn_ ? fn_(cur) : NULL;
}

struct model *train(const struct problem *prob, const struct parameter *param)
{
    FN(liblinear, train);
    return fn_ ? fn_(prob, param) : NULL;
}

const char *check_parameter(const struct problem *prob, const struct parameter *param)
{
    FN(liblinear, check_parameter);
    static _Thread_local char msg[512]; /* a copy: callers pass it to og_error_set */
    if (fn_)
        return fn_(prob, param);
    og_strlcpy(msg, og_error_last(), sizeof(msg));
    return msg;
}

void free_and_destroy_model(struct model **model_ptr_ptr)
{
    if (!model_ptr_ptr || !*model_ptr_ptr)
        return;
    FN(liblinear, free_and_destroy_model);
    if (fn_)
        fn_(model_ptr_ptr);
}

void set_print_string_function(void (*print_func)(const char *))
{
    FN(liblinear, set_print_string_function);
    if (fn_)
        fn_(print_func);
}
