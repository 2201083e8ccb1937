/* app_internal.h - shared by the files of src/app only. */
#ifndef OPSGATE_APP_INTERNAL_H
#define OPSGATE_APP_INTERNAL_H

/* Register platform.note, the demo action kind (note.c). Idempotent. */
int og_app__note_register(void);

#endif
