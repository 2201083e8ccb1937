/* doc_synth.c - synthetic documents for the document classifier's tests and benchmark: per kind,
 * OG_INFER_DOC_FAMILIES template families, each with its own title, headings, layout and
 * phrases over the kind's shared vocabulary, and content (clients, dates, amounts, sentences)
 * varied by a seed. A model trained on some families is evaluated on families it never saw. */
#include "infer/infer_internal.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <stdio.h>
#include <string.h>

#define NK   OG_INFER_DOC_NKINDS
#define NF   OG_INFER_DOC_FAMILIES
#define POOL 12

/* sentences any family of the kind may use */
static const char *const shared[NK][POOL] = {
    {"The scope of work covers the design, migration and handover of the services listed below.",
     "Deliverables are accepted in writing within ten business days of delivery.",
     "Fees are invoiced monthly in arrears; payment terms are thirty days net.",
     "Out of scope: licences, hardware and any work not described in this statement.",
     "The provider assigns a project manager as the single point of contact.",
     "Assumptions: the client provides administrative access and a named sponsor.",
     "The engagement starts on the effective date and ends when all milestones are accepted.",
     "Milestones and their fees are listed in the pricing schedule.",
     "Either party may terminate with thirty days written notice.",
     "Travel expenses are billed at cost with prior approval.",
     "The statement of work is governed by the master services agreement.",
     "Estimated effort: 120 consulting hours at the agreed hourly rate."},
    {"This change order amends the statement of work referenced below.",
     "Reason for change: the client requested additional mailboxes to migrate.",
     "Impact on schedule: the go-live date moves by two weeks.",
     "Impact on cost: the fees increase by the amount shown below.",
     "All other terms of the original statement of work remain unchanged.",
     "The revised total replaces the original contract value.",
     "The change takes effect once both parties sign this change request.",
     "Original scope item 3 is replaced by the revised scope described here.",
     "The change was raised by the client sponsor and reviewed by the provider.",
     "Additional effort: 24 hours at the rate of the original agreement.",
     "Approval of this amendment authorises the provider to proceed.",
     "The variation is recorded in the change log of the project."},
    {"Prerequisites: administrative access to the console and a maintenance window.",
     "Step 1: stop the service and confirm that no client sessions are active.",
     "Step 2: run the backup command and verify the archive checksum.",
     "Rollback: restore the previous configuration from the backup and restart the service.",
     "Verify the health check returns OK before closing the maintenance window.",
     "Escalate to the on-call engineer when a step fails twice.",
     "Run the following command on each node: systemctl restart nginx",
     "Check the logs with journalctl -u service --since today for errors.",
     "Expected duration: 45 minutes, including verification.",
     "Monitoring: silence the alerts for the node before you begin.",
     "If the disk is more than 90 percent full, rotate the logs first.",
     "Record each step's outcome in the ticket as you go."},
    {"This closure report confirms that the project is complete.",
     "All deliverables were accepted by the client sponsor.",
     "Lessons learned: the migration window was too short for the largest mailboxes.",
     "Outstanding items are handed over to the managed service team.",
     "Final acceptance was given on the date below.",
     "The project budget was closed with the final invoice.",
     "Open risks are transferred to the service owner.",
     "The client confirms that the objectives of the engagement were met.",
     "Project documentation has been archived in the document library.",
     "Post-implementation review held with the client's stakeholders.",
     "Warranty support continues for thirty days after closure.",
     "Sign-off by both parties closes the engagement."},
    {"The meeting started with a review of last week's actions.",
     "Attendees discussed the office move and the new parking rules.",
     "The newsletter team welcomes three new colleagues this month.",
     "Please remember to submit your timesheets by Friday.",
     "The security awareness training is mandatory for all staff.",
     "Lunch will be served in the main hall after the presentation.",
     "The quarterly results were shared by the finance director.",
     "Passwords must be at least fourteen characters long.",
     "The holiday calendar for next year is attached.", "Feedback on the new intranet is welcome.",
     "Next meeting: same time next week.", "This policy applies to every employee and contractor."},
};

/* per kind and family: the title, four headings, and two phrases only that family uses */
typedef struct doc_family {
    const char *title;
    const char *heads[4];
    const char *own[2];
} doc_family;

static const doc_family families[NK][NF] = {
    {{"Statement of Work",
      {"Scope", "Deliverables", "Fees", "Acceptance"},
      {"The provider shall perform the services with due skill and care.",
       "Each deliverable has an owner named in the plan."}},
     {"SOW: %s",
      {"Objectives", "In scope", "Commercials", "Timeline"},
      {"Our team will deliver the objectives in three phases.",
       "Pricing is fixed for the work packages below."}},
     {"Professional Services Proposal and Statement of Work",
      {"Background", "Approach", "Investment", "Terms"},
      {"We propose a phased approach that limits downtime.",
       "The investment below is valid for sixty days."}},
     {"Work Order",
      {"Services", "Schedule", "Price", "Responsibilities"},
      {"Services are delivered remotely unless stated otherwise.",
       "The client is responsible for end user communication."}},
     {"Engagement Letter - Scope and Fees",
      {"Purpose", "Work packages", "Charges", "Signatures"},
      {"This letter sets out the work we will carry out for you.",
       "Charges are based on the work packages described."}}},
    {{"Change Order",
      {"Change description", "Reason", "Cost impact", "Approval"},
      {"Change order number 2 to the statement of work.",
       "The client has reviewed the revised estimate."}},
     {"Change Request: %s",
      {"Requested change", "Justification", "Revised fees", "Sign-off"},
      {"The requester describes the change in their own words.",
       "Revised fees are shown against the original fees."}},
     {"Contract Amendment",
      {"Amendment", "Effect on schedule", "Effect on price", "Agreement"},
      {"The parties agree to amend the contract as follows.",
       "The amendment forms part of the agreement."}},
     {"Scope Variation Notice",
      {"Variation", "Delta", "New total", "Authorisation"},
      {"This notice records a variation to the agreed scope.",
       "The delta is added to the current purchase order."}},
     {"Project Change Form",
      {"What changes", "Why", "Money", "Decision"},
      {"Fill in this form for every change to an active project.",
       "The decision is recorded by the change board."}}},
    {{"Runbook: %s",
      {"Purpose", "Prerequisites", "Procedure", "Rollback"},
      {"This runbook is used during the monthly patch window.",
       "Follow the procedure in order and do not skip steps."}},
     {"Operational Procedure",
      {"Overview", "Before you start", "Steps", "Back-out plan"},
      {"The back-out plan must be ready before the first step.",
       "Operators need the maintenance role to run these steps."}},
     {"Standard Operating Procedure - %s",
      {"Scope", "Tools", "Instructions", "Recovery"},
      {"Use the admin workstation for all instructions below.", "Recovery is tested quarterly."}},
     {"Playbook",
      {"Trigger", "Checks", "Actions", "Escalation"},
      {"This playbook runs when the disk space alert fires.",
       "Actions are idempotent and may be repeated."}},
     {"Maintenance Guide",
      {"When to use", "Preparation", "How to", "If it goes wrong"},
      {"Use this guide for planned certificate renewals.",
       "If it goes wrong, revert and open an incident."}}},
    {{"Project Closure Report",
      {"Summary", "Deliverables accepted", "Lessons learned", "Sign-off"},
      {"The project closed on schedule and within budget.",
       "Thank you to everyone involved in the project."}},
     {"Closure: %s",
      {"Outcome", "Acceptance", "Handover", "Open items"},
      {"The outcome matches the objectives in the statement of work.",
       "Handover to operations is complete."}},
     {"Certificate of Completion",
      {"Completed work", "Confirmation", "Warranty", "Signatures"},
      {"We certify that the work described has been completed.",
       "The warranty period starts on the completion date."}},
     {"Project Completion and Acceptance",
      {"Results", "Variance", "Retrospective", "Approval"},
      {"Results were measured against the baseline plan.",
       "The retrospective produced five improvement actions."}},
     {"End of Engagement Summary",
      {"What we delivered", "How it went", "Next steps", "Close"},
      {"This summary marks the end of our engagement.",
       "Next steps are owned by your service desk."}}},
    {{"Meeting Notes",
      {"Attendees", "Discussion", "Actions", "Next meeting"},
      {"Notes taken by the team assistant.", "Actions are tracked on the team board."}},
     {"Staff Newsletter: %s",
      {"News", "People", "Events", "Reminders"},
      {"Welcome to this month's newsletter.", "Share your news with the editors."}},
     {"Acceptable Use Policy",
      {"Purpose", "Policy", "Responsibilities", "Enforcement"},
      {"Violations may lead to disciplinary action.", "The policy is reviewed every year."}},
     {"Invoice Reminder",
      {"Account", "Amount due", "How to pay", "Contact"},
      {"Our records show an unpaid balance on your account.",
       "Please ignore this reminder if you have already paid."}},
     {"Team Announcement",
      {"Update", "Details", "Questions", "Thanks"},
      {"We are happy to announce a change in the team.",
       "Ask your manager if anything is unclear."}}},
};

static const char *const clients[] = {"Northwind Traders",    "Contoso Ltd", "Fabrikam Inc",
                                      "Tailspin Toys",        "Litware",     "Adventure Works",
                                      "Wide World Importers", "Proseware",   "Woodgrove Bank"};
static const char *const topics[] = {"Microsoft 365 migration", "firewall replacement",
                                     "backup renewal",          "nginx certificate rotation",
                                     "SharePoint cleanup",      "VPN upgrade"};
static const char *const months[] = {"January",   "February", "March",    "April",
                                     "May",       "June",     "July",     "August",
                                     "September", "October",  "November", "December"};

uint64_t og_infer__rnd(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

int og_infer__synth_family(const og_infer__family *f, int kind, int lang, uint64_t seed, char **out)
{
    og_buf b;
    uint64_t s = seed * f->mult + (uint64_t)(kind * f->langs + lang) + f->add;
    int error;
    *out = NULL;
    if (kind < 0 || kind >= OG_INFER_DOC_NKINDS || lang < 0 || lang >= f->langs)
        return og_error_set(OG_EINVAL, "no %s document of kind %d, language %d", f->what, kind,
                            lang);
    og_buf_init(&b, 1 << 20);
    error = kind == OG_INFER_DOC_NKINDS - 1
                ? f->other_fn((int)(og_infer__rnd(&s) % (uint64_t)f->genres), lang, &s, &b)
                : f->kind_fn(kind, lang, &s, &b);
    if (error >= 0)
        *out = og_buf_detach(&b);
    og_buf_free(&b);
    return error < 0 ? error : 0;
}
#define rnd og_infer__rnd

/* A heading in the family's layout: Markdown, numbered, capitals, "Heading:", underlined. */
static int heading(og_buf *b, int layout, int i, const char *h)
{
    char up[64];
    size_t n = 0;
    switch (layout) {
    case 0:
        return og_buf_printf(b, "\n## %s\n\n", h);
    case 1:
        return og_buf_printf(b, "\n%d. %s\n", i + 1, h);
    case 2:
        for (; h[n] && n + 1 < sizeof(up); n++)
            up[n] = (char)(h[n] >= 'a' && h[n] <= 'z' ? h[n] - 32 : h[n]);
        up[n] = '\0';
        return og_buf_printf(b, "\n%s\n", up);
    case 3:
        return og_buf_printf(b, "\n%s:\n", h);
    default:
        return og_buf_printf(b, "\n%s\n%.*s\n", h, (int)strlen(h),
                             "--------------------------------");
    }
}

/* A date in one of three formats; its ISO form into iso. */
static int date_line(og_buf *b, uint64_t *s, const char *label, int y, int m, int d, char iso[11])
{
    snprintf(iso, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)(m + 1) % 100u,
             (unsigned)d % 100u);
    switch (rnd(s) % 3) {
    case 0:
        return og_buf_printf(b, "%s: %s %d, %d\n", label, months[m], d, y);
    case 1:
        return og_buf_printf(b, "%s: %s\n", label, iso);
    default:
        return og_buf_printf(b, "%s: %d %s %d\n", label, d, months[m], y);
    }
}

/* per family: how the client, the date and the total are labelled */
static const char *const client_labels[NF] = {"Client", "Customer", "Prepared for", "Account",
                                              "Bill to"};
static const char *const date_labels[NF] = {"Date", "Issued", "Effective date", "Dated",
                                            "Document date"};
static const char *const total_labels[NF] = {"Total", "Total due", "Grand total", "Amount due",
                                             "Total fees"};

/* The money lines: line items, a subtotal and tax before the total, or only a rate (no total). */
static int money_lines(og_buf *b, uint64_t *s, int family, int with_total, long amount,
                       json_t *truth)
{
    char t[32];
    int error = 0;
    if (!with_total)
        return rnd(s) % 2
                   ? og_buf_printf(b, "\nRate: $%ld.00 per hour\n", 90 + (long)(rnd(s) % 120))
                   : 0;
    long items = 1 + (long)(rnd(s) % 3), sub = 0, left = amount * 100 / 108;
    for (long i = 0; i < items && error >= 0; i++) {
        long part = i + 1 == items ? left - sub : left / (items + 1);
        sub += part;
        error = og_buf_printf(b, "%sPhase %ld: $%ld,%03ld.00\n", i ? "" : "\n", i + 1, part / 1000,
                              part % 1000);
    }
    if (error >= 0 && rnd(s) % 2)
        error = og_buf_printf(b, "Subtotal: $%ld,%03ld.00\nTax: $%ld,%03ld.00\n", sub / 1000,
                              sub % 1000, (amount - sub) / 1000, (amount - sub) % 1000);
    if (error >= 0)
        error = og_buf_printf(b, "%s: $%ld,%03ld.00\n", total_labels[family], amount / 1000,
                              amount % 1000);
    snprintf(t, sizeof(t), "%ld.00", amount);
    json_object_set_new(truth, "total", json_string(t));
    return error;
}

static int synth_std(int kind, int family, uint64_t seed, char **out, json_t *truth)
{
    og_buf b;
    uint64_t s = seed * 1000003u + (uint64_t)(kind * NF + family);
    const doc_family *f = &families[kind][family];
    char title[160], iso[11], other[11];
    int error = 0;
    og_buf_init(&b, 1 << 20);
    const char *client = clients[rnd(&s) % 9], *topic = topics[rnd(&s) % 6];
    int year = 2024 + (int)(rnd(&s) % 3), mon = (int)(rnd(&s) % 12), day = 1 + (int)(rnd(&s) % 28);
    long amount = 1000 + (long)(rnd(&s) % 90000);
    snprintf(title, sizeof(title), f->title, topic);
    error = og_buf_printf(&b, family % 2 ? "%s\n\n" : "# %s\n\n", title);
    if (error >= 0 && rnd(&s) % 4 == 0) /* a date before the document's own: not its date */
        error = date_line(&b, &s, "Ref: proposal of", year - 1, (mon + 5) % 12, 1 + (day + 9) % 28,
                          other);
    /* the header's lines in any order; the client's label before it or on the line above */
    for (int order = (int)(rnd(&s) % 3), i = 0; i < 3 && error >= 0; i++) {
        int line = (order + i) % 3;
        const char *cl = client_labels[(family + (int)(rnd(&s) % 2)) % NF];
        if (line == 0)
            error = og_buf_printf(&b, rnd(&s) % 4 ? "%s: %s\n" : "%s\n%s\n", cl, client);
        else if (line == 1)
            error = date_line(&b, &s, date_labels[(family + (int)(rnd(&s) % 2)) % NF], year, mon,
                              day, iso);
        else
            error = og_buf_puts(&b, "Prepared by: Example MSP\n");
    }
    for (int h = 0; h < 4 && error >= 0; h++) {
        error = heading(&b, family, h, f->heads[h]);
        /* two to four sentences per section: the family's own and the kind's shared ones */
        int k = 2 + (int)(rnd(&s) % 3);
        for (int j = 0; j < k && error >= 0; j++) {
            const char *sent =
                j == 0 && (rnd(&s) % 2) ? f->own[rnd(&s) % 2] : shared[kind][rnd(&s) % POOL];
            error = og_buf_printf(&b, family == 1 ? "- %s\n" : "%s ", sent);
        }
        /* a sentence of another kind now and then: documents quote each other (a change order
         * names the SOW's scope, a closure the runbook handed over) */
        if (error >= 0 && rnd(&s) % 4 == 0) {
            int o = (kind + 1 + (int)(rnd(&s) % (NK - 1))) % NK;
            error = og_buf_printf(&b, "%s ", shared[o][rnd(&s) % POOL]);
        }
        if (error >= 0)
            error = og_buf_puts(&b, "\n");
    }
    /* a closure ticks off what was delivered (the random draws of the other kinds unchanged) */
    if (error >= 0 && kind == 3 && rnd(&s) % 2)
        error = og_buf_printf(&b, "\n%s%s\n%s%s\n", family % 2 ? "- [x] " : "\xe2\x9c\x93 ",
                              shared[kind][1], family % 2 ? "- [x] " : "\xe2\x9c\x93 ",
                              shared[kind][3]);
    /* a change order shows the value it moves: before -> after (+the change) */
    if (error >= 0 && kind == 1 && rnd(&s) % 2) {
        long was = amount / 2, delta = amount / 10 + 1;
        error = og_buf_printf(&b, "\n$%ld,%03ld.00 -> $%ld,%03ld.00 (+$%ld,%03ld.00)\n", was / 1000,
                              was % 1000, (was + delta) / 1000, (was + delta) % 1000, delta / 1000,
                              delta % 1000);
    }
    if (error >= 0)
        error = money_lines(&b, &s, family, (int)(rnd(&s) % 2), amount, truth);
    if (error >= 0 && rnd(&s) % 2) /* another date: not the document's */
        error = date_line(&b, &s, rnd(&s) % 2 ? "Valid until" : "Signed", year + 1, (mon + 1) % 12,
                          1 + (day + 3) % 28, other);
    if (error >= 0 && rnd(&s) % 3 == 0)
        error = og_buf_printf(&b, "\nContact %s for questions about %s.\n", client, topic);
    if (error >= 0) {
        json_object_set_new(truth, "date", json_string(iso));
        json_object_set_new(truth, "client", json_string(client));
        *out = og_buf_detach(&b);
    }
    og_buf_free(&b);
    return error < 0 ? error : 0;
}

int og_infer_doc_synth_meta(int kind, int family, uint64_t seed, char **out, json_t **truth)
{
    json_t *t = json_object();
    int error;
    *out = NULL;
    if (truth)
        *truth = NULL;
    if (kind < 0 || kind >= NK || family < 0 || family >= NF + OG_INFER_DOC_HARD) {
        json_decref(t);
        return og_error_set(OG_EINVAL, "no document family %d of kind %d", family, kind);
    }
    if (!t)
        return og_error_set(OG_ERROR, "out of memory");
    error = family < NF ? synth_std(kind, family, seed, out, t)
                        : og_infer__synth_hard(kind, family - NF, seed, out, t);
    if (error >= 0 && truth) {
        *truth = t;
        t = NULL;
    }
    json_decref(t);
    return error;
}

int og_infer_doc_synth(int kind, int family, uint64_t seed, char **out)
{
    if (kind >= 0 && kind < NK && family >= 0 && family < NF)
        return og_infer__synth_mixed(kind, family, seed, out);
    return og_infer_doc_synth_meta(kind, family, seed, out, NULL);
}
