/* doc_synth_frames.c - a frame for training documents of every kind (issue 21, h-infer14): an
 * e-mail (subject and recipient lines, a greeting, a closing) or a letter (a greeting and a
 * closing) around a training document, the same share of every kind, so that the first model
 * sees e-mails and letters of every kind and learns that the frame says nothing of the kind: the
 * words inside decide. Before, only "other" genres came as e-mails and letters, and a change
 * agreed by e-mail or a handover letter was taken for "other". Written apart from the held-out
 * forms (their texts were not copied): the frame's words are those of everyday correspondence in
 * the training corpus's nine languages. */
#include "infer/infer_internal.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NL OG_INFER_DOC_NLANGS

/* one language's frame: subject and recipient labels, two greetings, two closings */
typedef struct frame_words {
    const char *subject, *to, *greet[2], *close[2];
} frame_words;

static const frame_words words[NL] = {
    {"Subject", "To", {"Hello %s,", "Dear %s,"}, {"Best regards,", "Thanks and regards,"}},
    {"Betreff", "An", {"Guten Tag %s,", "Liebe %s,"}, {"Mit freundlichen Grüßen", "Beste Grüße"}},
    {"Objet", "À", {"Bonjour %s,", "Chère %s,"}, {"Cordialement,", "Bien à vous,"}},
    {"Asunto", "Para", {"Hola %s:", "Estimada %s:"}, {"Saludos cordiales,", "Un saludo,"}},
    {"Onderwerp", "Aan", {"Beste %s,", "Hallo %s,"}, {"Met vriendelijke groet,", "Groeten,"}},
    {"Oggetto", "A", {"Buongiorno %s,", "Gentile %s,"}, {"Cordiali saluti,", "Un saluto,"}},
    {"Assunto", "Para", {"Olá %s,", "Prezada %s,"}, {"Atenciosamente,", "Cumprimentos,"}},
    {"Temat", "Do", {"Dzień dobry %s,", "Szanowna Pani %s,"}, {"Pozdrawiam,", "Z poważaniem,"}},
    {"Ämne", "Till", {"Hej %s,", "Bästa %s,"}, {"Vänliga hälsningar,", "Med vänlig hälsning,"}},
};

static const char *const names[] = {"Maria", "Kim", "Alex", "Sam", "Robin", "Noor", "Eva", "Jonas"};
#define NNAMES (sizeof(names) / sizeof(names[0]))

int og_infer__synth_frame(int kind, int family, int lang, uint64_t seed, char **doc)
{
    uint64_t s = seed * 2654435761u + (uint64_t)(kind * 31 + family * 7 + lang) + 4099;
    unsigned r = (unsigned)(og_infer__rnd(&s) % 12);
    if (r >= 2 || lang < 0 || lang >= NL || !*doc) /* 2 in 12 of every kind framed */
        return 0;
    const frame_words *w = &words[lang];
    const char *to = names[og_infer__rnd(&s) % NNAMES], *from = names[og_infer__rnd(&s) % NNAMES];
    const char *text = *doc, *nl = strchr(text, '\n');
    size_t tl = nl ? (size_t)(nl - text) : strlen(text);
    og_buf b;
    int error = 0;
    og_buf_init(&b, strlen(text) + 256);
    if (r == 0) /* an e-mail: its title is the subject */
        error = og_buf_printf(&b, "%s: %.*s\n%s: %s\n\n", w->subject, (int)tl, text, w->to, to);
    else /* a letter: the title stays the first line */
        error = og_buf_printf(&b, "%.*s\n\n", (int)tl, text);
    if (error >= 0)
        error = og_buf_printf(&b, w->greet[og_infer__rnd(&s) % 2], to);
    if (error >= 0)
        error = og_buf_printf(&b, "\n\n%s\n\n%s\n%s\n", nl ? nl + 1 : "",
                              w->close[og_infer__rnd(&s) % 2], from);
    if (error >= 0) {
        free(*doc);
        *doc = og_buf_detach(&b);
    }
    og_buf_free(&b);
    return error < 0 ? og_error_set(OG_ERROR, "no memory for a framed document") : 0;
}
