# Baseline: the core of an evsynth report in R (base R, metafor, ggplot2 + svglite).
# Usage: Rscript r_report.R TOPIC_DIR OUT_DIR
suppressPackageStartupMessages({
  library(metafor)
  library(ggplot2)
})
args <- commandArgs(trailingOnly = TRUE)
topic <- args[1]
out <- args[2]
dir.create(out, showWarnings = FALSE, recursive = TRUE)
df <- read.csv(file.path(topic, "registry.csv"), colClasses = "character", na.strings = "")
df$yi <- as.numeric(df$yi)
df$vi <- as.numeric(df$vi)
directions <- c("positive", "none", "negative", "conflicting")

# One vote per study and question (70% rule), counted designs only.
counted <- df[!df$design %in% c("case_report", "case_series", "systematic_review", "meta_analysis"), ]
tab <- as.data.frame.matrix(table(paste(counted$question, counted$study_id, sep = "\r"),
                                  factor(counted$direction, levels = directions)))
best <- directions[max.col(tab, ties.method = "first")]
share <- apply(tab, 1, max) / rowSums(tab)
vote <- ifelse(share >= 0.7, best, "conflicting")
question <- sub("\r.*", "", rownames(tab))
rows <- lapply(sort(unique(question)), function(q) {
  v <- table(factor(vote[question == q], levels = directions))
  pos <- v[["positive"]]; neg <- v[["negative"]]
  p <- NA; lo <- NA; hi <- NA
  if (pos + neg > 0) {
    p <- binom.test(pos, pos + neg, 0.5)$p.value
    w <- suppressWarnings(prop.test(pos, pos + neg, correct = FALSE))$conf.int  # Wilson score interval
    lo <- w[1]; hi <- w[2]
  }
  data.frame(question = q, positive = pos, none = v[["none"]], negative = neg,
             conflicting = v[["conflicting"]], sign_test_p = p, wilson_low = lo, wilson_high = hi)
})
votes <- do.call(rbind, rows)
write.csv(votes, file.path(out, "votes.csv"), row.names = FALSE)

# REML per question x outcome x measure with at least two estimates.
effects <- df[!is.na(df$yi) & !is.na(df$vi), ]
pooled <- list()
for (key in unique(paste(effects$question, effects$outcome, effects$effect_measure))) {
  g <- effects[paste(effects$question, effects$outcome, effects$effect_measure) == key, ]
  if (nrow(g) >= 2) {
    fit <- rma(yi, vi, data = g, method = "REML")
    pooled[[key]] <- data.frame(key = key, k = fit$k, estimate = fit$b[1], se = fit$se,
                                ci_low = fit$ci.lb, ci_high = fit$ci.ub, tau2 = fit$tau2)
  }
}
if (length(pooled) > 0) write.csv(do.call(rbind, pooled), file.path(out, "pooled.csv"), row.names = FALSE)

# Bar chart of votes per question, form x outcome map.
long <- do.call(rbind, lapply(directions, function(d) data.frame(question = votes$question, direction = d, studies = votes[[d]])))
bar <- ggplot(long, aes(x = studies, y = question, fill = direction)) + geom_col()
ggsave(file.path(out, "votes.svg"), bar, width = 8, height = 4)
ggsave(file.path(out, "votes.png"), bar, width = 8, height = 4, dpi = 144)
cells <- as.data.frame(table(form = df$form, outcome = df$outcome))
map <- ggplot(cells, aes(x = outcome, y = form, fill = Freq)) + geom_tile()
ggsave(file.path(out, "map.svg"), map, width = 8, height = 5)
ggsave(file.path(out, "map.png"), map, width = 8, height = 5, dpi = 144)
