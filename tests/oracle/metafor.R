# Oracle for src/synthesis/{effects,pool}.rs: metafor's own example data sets, written as
# evsynth fixture topics, and metafor's results for them.
#
# Run from the crate root after `apt-get install r-cran-metafor`:
#   Rscript tests/oracle/metafor.R > tests/oracle/metafor.out
# It rewrites tests/fixtures/topics/{bcg,normand1999,nielweise2007}/registry.csv.
# Output lines: dataset|measure|model|key|value (values with 15 significant digits).
suppressPackageStartupMessages(library(metafor))
cat(sprintf("# metafor %s, %s\n", packageVersion("metafor"), R.version.string))

out <- function(dataset, measure, model, key, value) {
  cat(sprintf("%s|%s|%s|%s|%.15g\n", dataset, measure, model, key, value))
}

report <- function(dataset, measure, dat) {
  for (i in seq_len(nrow(dat))) {
    out(dataset, measure, "escalc", sprintf("yi[%s]", dat$id[i]), dat$yi[i])
    out(dataset, measure, "escalc", sprintf("vi[%s]", dat$id[i]), dat$vi[i])
  }
  fits <- list(
    FE = rma(yi, vi, data = dat, method = "FE"),
    DL = rma(yi, vi, data = dat, method = "DL"),
    REML = rma(yi, vi, data = dat, method = "REML", control = list(threshold = 1e-12, maxiter = 10000)),
    REML_HKSJ = rma(yi, vi, data = dat, method = "REML", test = "knha", control = list(threshold = 1e-12, maxiter = 10000))
  )
  for (name in names(fits)) {
    fit <- fits[[name]]
    pred <- predict(fit)
    pi.lb <- if (is.null(pred$pi.lb)) pred$ci.lb else pred$pi.lb
    pi.ub <- if (is.null(pred$pi.ub)) pred$ci.ub else pred$pi.ub
    values <- c(k = fit$k, estimate = as.numeric(fit$beta), se = fit$se, ci_low = fit$ci.lb,
                ci_high = fit$ci.ub, statistic = fit$zval, p = fit$pval, tau2 = fit$tau2,
                i2 = fit$I2, h2 = fit$H2, q = fit$QE, q_p = fit$QEp, pi_low = pi.lb, pi_high = pi.ub)
    for (key in names(values)) out(dataset, measure, name, key, values[[key]])
    w <- weights(fit)
    for (i in seq_along(w)) out(dataset, measure, name, sprintf("weight[%s]", dat$id[!is.na(dat$yi)][i]), w[[i]])
  }
  if (sum(!is.na(dat$yi)) >= 10) {
    eg <- regtest(fits$REML, model = "lm")
    out(dataset, measure, "egger", "t", eg$zval)
    out(dataset, measure, "egger", "p", eg$pval)
    out(dataset, measure, "egger", "coefficient", coef(eg$fit)[["Xsei"]])
  }
}

registry <- function(path, rows) {
  header <- "study_id,citation,year,design,question,n,form,outcome,direction,effect_measure,n1,mean1,sd1,n2,mean2,sd2,events1,events2,source"
  writeLines(c(header, rows), path)
}

slug <- function(author, year) {
  s <- tolower(gsub("[^A-Za-z]+", "_", author))
  s <- gsub("^_+|_+$", "", s)
  sprintf("%s_%s", s, year)
}

direction <- function(better) ifelse(is.na(better), "none", ifelse(better, "positive", "negative"))

# 1. BCG vaccine trials (2x2 counts, log risk ratio).
bcg <- dat.bcg
bcg$id <- mapply(slug, bcg$author, bcg$year)
bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = bcg)
report("bcg", "rr", bcg)
registry("tests/fixtures/topics/bcg/registry.csv", sprintf(
  "%s,\"%s %s (metafor dat.bcg, trial %d)\",%d,rct,prevention,%d,bcg,tuberculosis,%s,rr,%d,,,%d,,,%d,%d,metafor::dat.bcg",
  bcg$id, bcg$author, bcg$year, bcg$trial, bcg$year, bcg$tpos + bcg$tneg + bcg$cpos + bcg$cneg,
  direction(ifelse(bcg$yi == 0, NA, bcg$yi < 0)), bcg$tpos + bcg$tneg, bcg$cpos + bcg$cneg, bcg$tpos, bcg$cpos))

# 2. Normand 1999: length of stay, specialist vs routine care (means and SDs: MD and SMD).
nor <- dat.normand1999
nor$id <- mapply(slug, nor$source, 1999)
nor$id <- sprintf("s%d_%s", nor$study, nor$id)
md <- escalc(measure = "MD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = nor)
smd <- escalc(measure = "SMD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = nor)
report("normand1999", "md", md)
report("normand1999", "smd", smd)
rows <- function(d, outcome, measure) sprintf(
  "%s,\"%s (metafor dat.normand1999, study %d)\",1999,rct,care,%d,specialist,%s,%s,%s,%d,%s,%s,%d,%s,%s,,,metafor::dat.normand1999",
  d$id, d$source, d$study, d$n1i + d$n2i, outcome, direction(ifelse(d$yi == 0, NA, d$yi < 0)), measure,
  d$n1i, as.character(d$m1i), as.character(d$sd1i), d$n2i, as.character(d$m2i), as.character(d$sd2i))
registry("tests/fixtures/topics/normand1999/registry.csv", c(rows(md, "length_of_stay", "md"), rows(smd, "length_of_stay_smd", "smd")))

# 3. Nielweise 2007: catheter infections, zero cells and one double-zero trial (log RR;
#    double-zero trials dropped, as evsynth does).
niel <- dat.nielweise2007
niel$id <- mapply(slug, niel$author, niel$year)
niel$id <- ifelse(duplicated(niel$id), paste0(niel$id, "_b"), niel$id)
niel <- escalc(measure = "RR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = niel, drop00 = TRUE)
report("nielweise2007", "rr", niel)
registry("tests/fixtures/topics/nielweise2007/registry.csv", sprintf(
  "%s,\"%s %d (metafor dat.nielweise2007, study %d)\",%d,rct,prevention,%d,impregnated,infection,%s,rr,%d,,,%d,,,%d,%d,metafor::dat.nielweise2007",
  niel$id, niel$author, niel$year, niel$study, niel$year, niel$n1i + niel$n2i,
  direction(ifelse(is.na(niel$yi) | niel$yi == 0, NA, niel$yi < 0)), niel$n1i, niel$n2i, niel$ai, niel$ci))

# 4. Li 2007: intravenous magnesium and mortality after myocardial infarction (2x2 counts;
#    log OR and RD as separate outcomes; two trials with a zero cell, which escalc corrects
#    for RD as for the ratios; k = 22, so Egger's test, significant here).
li <- dat.li2007
li$trial <- li$id
li$id <- mapply(slug, li$study, li$year)
or <- escalc(measure = "OR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = li)
rd <- escalc(measure = "RD", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = li)
report("li2007", "or", or)
report("li2007", "rd", rd)
rows <- function(d, outcome, measure) sprintf(
  "%s,\"%s %d (metafor dat.li2007, trial %d)\",%d,rct,treatment,%d,iv_magnesium,%s,%s,%s,%d,,,%d,,,%d,%d,metafor::dat.li2007",
  d$id, d$study, d$year, d$trial, d$year, d$n1i + d$n2i, outcome,
  direction(ifelse(d$yi == 0, NA, d$yi < 0)), measure, d$n1i, d$n2i, d$ai, d$ci)
registry("tests/fixtures/topics/li2007/registry.csv", c(rows(or, "mortality", "or"), rows(rd, "mortality_rd", "rd")))
