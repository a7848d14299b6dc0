# Oracle for REML in src/synthesis/reml.rs on data that defeated the earlier fixed-point
# iteration, found by comparing 400 random data sets (k 2-50, effect scales 1e-4 to 1e4)
# with metafor, and on one where scoring from 0 and the DL estimate alone reached the lower of
# two maxima. Each case: yi and vi, then metafor's REML fit (Fisher scoring) with a
# convergence limit scaled to the data (metafor's default 1e-5 is absolute).
#
# Run from the crate root after `apt-get install r-cran-metafor`:
#   Rscript tests/oracle/reml_hard.R > tests/oracle/reml_hard.out
# Output lines: case|key|value (values with 15 significant digits; yi and vi as given).
suppressPackageStartupMessages(library(metafor))
cat(sprintf("# metafor %s, %s\n", packageVersion("metafor"), R.version.string))

cases <- list(
  # One study far more precise than the others: REML is 0.048, not 0.
  precise_study = list(
    yi = c(-0.16924172141529376, -0.005688497872053611, -0.8071641637970115),
    vi = c(7.121681085868808e-07, 1.4360811684922001, 0.22861533701453002)),
  # Effects of size 1e3: tau2 about 2.3e6, where an absolute limit of 1e-10 is below rounding.
  large_scale = list(
    yi = c(2777.791531489647, -885.3322497991677, 316.1034618017467, -987.6250376090545,
           -633.9879588025663),
    vi = c(133968.14193126746, 75895.29222983817, 61138.16560196994, 4.321096102569309,
           16563.78049285576)),
  # Effects of size 1e-3: tau2 about 5e-8, where an absolute limit of 1e-10 stops early.
  small_scale = list(
    yi = c(-6.964320090764966e-05, 0.001308052827174324, 0.0013657193693750356),
    vi = c(8.372089838010512e-07, 6.943759660308052e-07, 6.472918268561648e-09)),
  # Two maxima of the restricted likelihood: a local one near 65.5 (reached from the DL
  # estimate, 392.9) and the higher one at 0.
  two_maxima = list(
    yi = c(382.49316766715475, -5.44356911096464, -45.92423976717913, -3.6191532202219854),
    vi = c(31463.48907367318, 74.70198954318597, 366.9678871248562, 96.86584980360192)),
  # Two maxima inside, with variances 1e5-fold apart: a lower one near 1.1e-7, reached from 0
  # and from the DL estimate, and the higher one near 7.6e-6 (tests/oracle/differential.py,
  # data set 337 of seed 8).
  two_inner_maxima = list(
    yi = c(-0.0016440486021531715, 0.001200014006707606, -0.011741510654049287,
           0.0016133637638774444, -0.002243782863426665, -0.0058089001407868775),
    vi = c(6.2079049123285644e-06, 2.6848472881161367e-10, 2.4006540787818077e-05,
           2.346843291452425e-09, 7.045920668824711e-06, 1.567863637455179e-05)),
  # Log risk ratios (23 trials) where each Fisher scoring step overshoots the maximum about
  # two-fold, onto a point of nearly equal likelihood: undamped, the ascent swung from side to
  # side for 1,000 steps without converging (differential.py, seed 8, data set 338 without
  # its fifth study).
  overshooting_steps = list(
    yi = c(-0.46725842560489106, -0.70432048115807055, -0.80836882498355189,
           -0.57855671763412131, -0.35545468753350307, -0.78491659947084369,
           -0.67411806355134352, -0.090434865441150869, 0.09480075544282407,
           -0.77003232324816073, -0.85913231803420653, -0.5355182363563622,
           -0.70566767733808411, -0.41431472338514719, -0.65417080829832752,
           -0.42412941586718578, -0.80542813906234523, -0.62327710665043767,
           -0.42637506763803446, -0.48464269070723337, -0.44160249669432394,
           -0.55106525855940403, -0.59712018339387685, -0.64009485027600965),
    vi = c(0.10841698403227373, 0.047097378277153559, 0.37448733300651232,
           0.044254618179803328, 0.091663192272948377, 0.019092986225419571,
           0.089767201117049444, 0.080541631857421331, 0.19988640891600801,
           0.21639499797803838, 0.058162507427213309, 0.93394308943089432,
           0.057200551753309667, 0.049953688015362027, 0.067834391776927586,
           0.05059899789398823, 0.20514048531289911, 0.02570694480812984,
           0.076042534002892057, 0.002258817957620932, 0.15228442715009205,
           0.010699918205628928, 0.11844798487563521, 0.003125671107521712))
)
for (name in names(cases)) {
  case <- cases[[name]]
  control <- list(threshold = 1e-13 * mean(case$vi), maxiter = 10000)
  # metafor's own undamped scoring swings without converging here too; half steps converge.
  if (name == "overshooting_steps") control$stepadj <- 0.5
  fit <- rma(case$yi, case$vi, method = "REML", control = control)
  cat(sprintf("%s|yi|%s\n", name, paste(sprintf("%.17g", case$yi), collapse = " ")))
  cat(sprintf("%s|vi|%s\n", name, paste(sprintf("%.17g", case$vi), collapse = " ")))
  cat(sprintf("%s|tau2|%.15g\n", name, fit$tau2))
  cat(sprintf("%s|estimate|%.15g\n", name, fit$beta[1]))
  cat(sprintf("%s|se|%.15g\n", name, fit$se))
  cat(sprintf("%s|i2|%.15g\n", name, fit$I2))
  # The restricted log-likelihood at the estimate and at 0, to show which maximum is higher.
  fit0 <- rma(case$yi, case$vi, tau2 = 0, method = "REML")
  cat(sprintf("%s|loglik|%.15g\n", name, logLik(fit)))
  cat(sprintf("%s|loglik_at_0|%.15g\n", name, logLik(fit0)))
}
