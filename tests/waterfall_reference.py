"""The reference waterfall: the scalar period loop the library used until the batch engine replaced it (commit 95f07e1).

It is the oracle the engine (`waterfall.run_batch` / `run_deal`) is tested against, as `cf_reference.py` is for the
loans. Where a reading of the waterfall changes, this file and chapter 07 change together, each tested against the other.
"""
from __future__ import annotations
import numpy as np
import pandas as pd
from impac_research.deal import load_deal, InputError, check_range, check_choice, payment_dates
from impac_research.waterfall import (waterfall_assumptions, accrual_days, first_call_period, swap_schedule, swap_accruals,
                                      LedgerError, DealResult, TOL, CROSS_SUPPORT, BOND_COLUMNS, COLLATERAL_COLUMNS,
                                      _arr)


def _per_period(name, x, n, lo, hi):
    "A number or a per-period vector as n floats, each checked to lie in [lo, hi]."
    v = np.broadcast_to(np.asarray(x, float), (n,)) if np.ndim(x) == 0 else np.asarray(x, float)
    if len(v) < n: raise InputError(f"{name}: {len(v)} values, need one per period ({n})")
    v = v[:n]
    bad = np.flatnonzero(~np.isfinite(v) | (v < lo) | (v > hi))
    if len(bad): raise InputError(f"{name}: period {int(bad[0]) + 1} is {v[bad[0]]} (allowed range [{lo}, {hi}])")
    return v


def _libor(paths, n):
    if isinstance(paths, dict):
        if 'LIB1M' not in paths: raise InputError(f"paths: no 'LIB1M' entry (got {sorted(paths)})")
        paths = paths['LIB1M']
    return _per_period('paths.LIB1M', paths, n, -25.0, 100.0)


def run_deal(collateral:dict, # {group: DataFrame} per-period collateral cash flows (cashflows.project), periods 1..n
             paths, # {'LIB1M': array} (rates.index_paths) or an array: one-month LIBOR (percent) for bond period k
             call=True, # True: exercise the clean-up call on the first possible date; False: never; int: that period
             trigger=False, # trigger event in effect (bool, or one bool per period): OC target stays at its pre-stepdown level
             delinquency=0.0, # 90+ day delinquent share of each group's pool (fraction 0..1, scalar or per period)
             assumptions:dict|None=None, # overrides of the [waterfall] named assumptions
             carveout:bool=True, # surety carveout from period 10 in the Net Mortgage Rate (AFR); its cash per assumption surety_carveout_cash
             swaps:bool=True, # include the balance-guaranteed swaps
             dates:list|None=None, # payment dates; default the collateral's `date` column (else `deal.payment_dates`)
            ) -> DealResult:
    "Run both priorities of payments period by period; assert the ledger, balance and loss identities on every run."
    D = load_deal(); A = waterfall_assumptions(assumptions)
    if not isinstance(collateral, dict) or sorted(collateral) != sorted(D.groups):
        raise InputError(f"collateral: need one DataFrame per loan group {sorted(D.groups)}, got {sorted(collateral) if isinstance(collateral, dict) else type(collateral).__name__}")
    n = len(collateral[1])
    if n < 1 or len(collateral[2]) != n: raise InputError(f"collateral: groups have {n} and {len(collateral[2])} periods (need equal, >= 1)")
    if dates is None:
        dates = list(pd.to_datetime(collateral[1]['date']).dt.date) if 'date' in collateral[1].columns else payment_dates(n)
    dates = list(dates)[:n]
    if len(dates) != n: raise InputError(f"dates: {len(dates)} dates for {n} periods")
    days = accrual_days(dates); L = _libor(paths, n)
    dq = _per_period('delinquency', delinquency, n, 0.0, 1.0)
    trig = _per_period('trigger', np.asarray(trigger, float), n, 0.0, 1.0) > 0
    prem_rate = check_range('insurer_premium_rate', A['insurer_premium_rate'], 0, 5)
    carve_from = D.fees.surety_carveout_first_period
    carve_cash = A['surety_carveout_cash']
    check_choice('surety_carveout_cash', carve_cash, ('retained', 'paid'))
    carve_paid = carve_cash == 'paid'
    prem_prio, cross = A['insurer_premium_priority'], A['cross_support']
    check_choice('insurer_premium_priority', prem_prio, ('senior', 'subordinate')); check_choice('cross_support', cross, CROSS_SUPPORT)
    prem_sub = prem_prio == 'subordinate'
    cap = {b: D.classes[b].max_rate for b in D.classes}
    # collateral arrays and their balance identity
    C = {}
    for g in (1, 2):
        df = collateral[g]
        c = {k: _arr(df, k, n, g) for k in COLLATERAL_COLUMNS}
        c['fcl'] = _arr(df, 'foreclosure_balance', n, g, 0.0)
        c['ppis'] = _arr(df, 'interest_shortfall', n, g, 0.0)
        c['adv'] = _arr(df, 'advanced_principal', n, g, 0.0)
        c['carve'] = _arr(df, 'surety_carveout', n, g, np.nan) if 'surety_carveout' in df.columns else c['begin_balance'] * D.fees.surety_carveout / 1200
        fcl_prev = np.concatenate([[0.0], c['fcl'][:-1]])
        c['pool_prev'] = c['begin_balance'] + fcl_prev; c['pool'] = c['end_balance'] + c['fcl']
        c['prin'] = c['scheduled_principal'] + c['prepaid_principal'] + c['adv'] + c['recovery']
        gap = c['pool_prev'] - c['pool'] - c['prin'] - c['loss']
        bad = np.flatnonzero(np.abs(gap) > 0.01 + 1e-9 * c['pool_prev'])
        if len(bad): raise InputError(f"collateral[{g}]: row {int(bad[0]) + 1}: begin + foreclosure(prev) - scheduled - prepaid - advanced - recovery - loss != end + foreclosure (off by {gap[bad[0]]:.2f}; allowed 0.01)")
        C[g] = c
    first_call = first_call_period(C[1]['pool'] + C[2]['pool'], dates)
    call_k = (first_call if call is True else None if call is False else int(check_range('call', call, 1, n)))
    if call_k is not None and call_k > n: call_k = None
    # swaps
    S = {}
    for g in (1, 2):
        N, F = swap_schedule(g, n, A)
        if not swaps: N = N * 0
        S[g] = (N.sum(0), (N * F[:, None]).sum(0))
    # stepdown date per group
    k_sd0 = next((i for i, d in enumerate(dates) if d >= D.groups[1].stepdown_earliest), n)
    sd = {g: (np.arange(n) >= k_sd0) & (np.maximum.accumulate(C[g]['pool'] <= D.groups[g].stepdown_pool_fraction * D.groups[g].cutoff_balance))
          for g in (1, 2)}
    bonds_of = {g: list(D.groups[g].bonds) for g in (1, 2)}
    senior = {g: D.groups[g].senior for g in (1, 2)}
    margin = {b: np.where(np.arange(1, n + 1) > first_call, D.classes[b].margin * D.classes[b].stepup_multiple, D.classes[b].margin)
              for b in D.classes}
    seq_build = A['oc_build_allocation'] == 'sequential'
    release_on = bool(A['oc_release'])
    check_choice('swap_notional_cap', A['swap_notional_cap'], ('bonds', 'pool'))
    cap_on_bonds = A['swap_notional_cap'] == 'bonds'
    # state
    bal = {b: float(D.classes[b].balance) for b in D.classes}
    br_unp = {b: 0.0 for b in D.classes}; isf_unp = {b: 0.0 for b in D.classes}
    reimb_due = {1: 0.0, 2: 0.0}; wd_unreimb = 0.0; prem_due = {1: 0.0, 2: 0.0}
    # outputs
    z = lambda: [0.0] * n
    BO = {b: {k: z() for k in BOND_COLUMNS[1:]} for b in D.classes}
    LG = {g: {k: z() for k in _ledger_names(bonds_of[g])} for g in (1, 2)}
    def rec(g, name, k, v): LG[g][name][k] += v
    afr = {g: z() for g in (1, 2)}; srate = {g: z() for g in (1, 2)}
    OCO = {g: {k: z() for k in ('pool', 'bonds', 'oc', 'target', 'stepdown', 'release', 'build_own', 'build_in')} for g in (1, 2)}
    SWO = {g: {k: z() for k in ('scheduled_notional', 'notional', 'net_payment')} for g in (1, 2)}
    LO = {g: {k: z() for k in ('realised', 'own_excess', 'other_excess', 'oc', 'writedown', 'insurer')} for g in (1, 2)}
    L = L.tolist(); days = days.tolist(); dq = dq.tolist(); trig = trig.tolist()
    for g in (1, 2):
        C[g] = {k: v.tolist() for k, v in C[g].items()}; S[g] = (S[g][0].tolist(), S[g][1].tolist()); sd[g] = sd[g].tolist()
    margin = {b: v.tolist() for b, v in margin.items()}
    last = n if call_k is None else call_k
    TFX, TFL = (t.tolist() for t in swap_accruals(days, A))
    for k in range(last):
        Lk = L[k]; tau = days[k] / 360.0
        W = {}
        for g in (1, 2):   # ---- phase 1: fees, interest, principal distribution amounts, own OC build
            c = C[g]; bs = bonds_of[g]
            Bt = sum(bal[b] for b in bs)
            for b in bs: BO[b]['begin_balance'][k] = bal[b]
            ni = c['net_interest'][k]; pf_coll = c['prin'][k]; pnow = c['pool'][k]
            rec(g, 'src_net_interest', k, ni); rec(g, 'src_principal', k, c['scheduled_principal'][k] + c['prepaid_principal'][k] + c['adv'][k])
            rec(g, 'src_recoveries', k, c['recovery'][k])
            Ns, NF = S[g][0][k], S[g][1][k]
            net = 0.0
            if Ns > 0 and Bt > 0:
                scale = min(1.0, (Bt if cap_on_bonds else c['pool_prev'][k]) / Ns)     # the balance guarantee
                net = scale * (Ns * Lk * TFL[k] - NF * TFX[k]) / 100
                SWO[g]['notional'][k] = scale * Ns
            SWO[g]['scheduled_notional'][k] = Ns; SWO[g]['net_payment'][k] = -net
            ndf, rcv = max(-net, 0.0), max(net, 0.0)
            rec(g, 'src_swap_receipts', k, rcv)
            prem = prem_rate / 1200 * bal[senior[g]]
            if prem_sub: prem_due[g] += prem                                   # paid from excess cash after the OC steps
            carve = c['carve'][k] if (carveout and k + 1 >= carve_from) else 0.0
            avail = ni + pf_coll
            ndf_p = min(ndf, avail); avail -= ndf_p
            prem_p = 0.0 if prem_sub else min(prem, avail); avail -= prem_p
            carve_p = min(carve, avail) if carve_paid else 0.0; avail -= carve_p   # 'retained': a rate cut only, the cash stays
            rec(g, 'use_swap_payments', k, ndf_p); rec(g, 'use_insurer_premium', k, prem_p); rec(g, 'use_surety_carveout', k, carve_p)
            IF = max(ni - ndf_p - prem_p - carve_p, 0.0); PF = avail - IF
            fee_from_prin = pf_coll - PF
            num = ni - ndf - prem - carve + c['ppis'][k]
            afr[g][k] = max(num, 0.0) / Bt * 36000 / days[k] if Bt > 0 else 0.0
            srate[g][k] = (num + rcv) / Bt * 36000 / days[k] if Bt > 0 else 0.0
            # step 1: current interest, sequentially; Basis Risk Amounts and shortfalls accrue
            due = {}
            for b in bs:
                capr = min(Lk + margin[b][k], cap[b]); r = max(min(capr, afr[g][k]), 0.0)
                BO[b]['libor'][k] = Lk; BO[b]['margin'][k] = margin[b][k]; BO[b]['coupon'][k] = r
                cur = bal[b] * r / 100 * tau
                brs = max(bal[b] * (capr - r) / 100 * tau, 0.0)
                BO[b]['basis_risk_shortfall'][k] = brs
                br_unp[b] = br_unp[b] * (1 + max(capr, 0.0) / 100 * tau) + brs
                isf_unp[b] = isf_unp[b] * (1 + r / 100 * tau)
                pay = min(cur, IF); IF -= pay
                BO[b]['interest'][k] = pay; rec(g, f'use_interest_{b}', k, pay)
                isf_unp[b] += cur - pay
                BO[b]['interest_shortfall'][k] = cur - pay
            AV = IF + PF
            # principal distribution amount (pro rata), less any OC release after the stepdown date
            pda = pf_coll; release = 0.0
            target_pre = D.groups[g].oc_target_pre_stepdown / 100 * D.groups[g].cutoff_balance
            if sd[g][k] and not trig[k]:
                xs0 = max(AV - min(pda, Bt), 0.0)
                dqt = D.groups[g].delinquency_multiple * max(D.groups[g].delinquency_share * dq[k] * pnow - D.groups[g].excess_cash_multiple * xs0, 0.0)
                T = max(D.groups[g].oc_target_post_stepdown / 100 * pnow, D.groups[g].oc_floor / 100 * D.groups[g].cutoff_balance, dqt)
                if release_on:
                    release = min(pda, max(0.0, pnow - (Bt - min(pda, Bt)) - T))
            else:
                T = D.groups[g].oc_target_trigger / 100 * D.groups[g].cutoff_balance if sd[g][k] else target_pre
            OCO[g]['target'][k] = T; OCO[g]['stepdown'][k] = sd[g][k]; OCO[g]['release'][k] = release
            pda_b = pda - release
            share = {b: (bal[b] / Bt if Bt > 0 else 0.0) for b in bs}
            # steps 2-4: senior PDA, insurer reimbursement, 1-B-1 PDA
            prin_paid = 0.0
            for b in bs:
                if b != senior[g]: continue
                p = min(pda_b * share[b], bal[b], AV); AV -= p; bal[b] -= p; prin_paid += p
                BO[b]['principal'][k] += p; rec(g, f'use_principal_{b}', k, p)
            rp = min(reimb_due[g], AV); AV -= rp; reimb_due[g] -= rp; rec(g, 'use_insurer_reimbursement', k, rp)
            for b in bs:
                if b == senior[g]: continue
                p = min(pda_b * share[b], bal[b], AV); AV -= p; bal[b] -= p; prin_paid += p
                BO[b]['principal'][k] += p; rec(g, f'use_principal_{b}', k, p)
            XS = AV
            # step 5 (G1) / 4 (G2): excess cash flow as principal to restore OC to target
            oc_now = pnow - sum(bal[b] for b in bs)
            build = min(XS, max(T - oc_now, 0.0), sum(bal[b] for b in bs))
            XS -= build
            _pay_principal(bs, build, bal, BO, k, sequential=(seq_build and g == 1), rec=lambda b, v: rec(g, f'use_principal_{b}', k, v))
            OCO[g]['build_own'][k] = build
            W[g] = dict(XS=XS, T=T, pnow=pnow, rcv=rcv, loss=c['loss'][k], pf_coll=pf_coll, prin_paid=prin_paid + build,
                        fee_from_prin=fee_from_prin, oc_prev=c['pool_prev'][k] - Bt)
        # ---- phase 2: cross-collateralisation (G1 step 6 -> 2-A-1; G2 step 5 -> 1-A-1/1-B-1 pro rata)
        for g, h in ((1, 2), (2, 1)):
            bh = bonds_of[h]
            oc_h = W[h]['pnow'] - sum(bal[b] for b in bh)
            x = min(W[g]['XS'], max(W[h]['T'] - oc_h, 0.0), sum(bal[b] for b in bh))
            if cross == 'current_loss': x = min(x, max(W[h]['loss'] - OCO[h]['build_own'][k], 0.0))   # this period's loss only
            elif cross == 'none' or (cross == 'until_retire' and g == 2 and BO['2-A-1']['begin_balance'][k] < TOL): x = 0.0
            W[g]['XS'] -= x
            rec(g, 'use_transfer_out', k, x); rec(h, 'src_transfer_in', k, x)
            _pay_principal(bh, x, bal, BO, k, sequential=False, rec=lambda b, v: rec(h, f'use_principal_{b}', k, v))
            OCO[h]['build_in'][k] = x; W[h]['prin_paid'] += x
        # ---- phase 3: shortfalls, 1-B-1 loss reimbursement, basis risk, certificates
        for g in (1, 2):
            bs = bonds_of[g]; XS = W[g]['XS']; rcv = W[g]['rcv']
            if prem_sub:
                p = min(prem_due[g], XS); XS -= p; prem_due[g] -= p; rec(g, 'use_insurer_premium', k, p)
            for b in bs:
                p = min(isf_unp[b], XS); XS -= p; isf_unp[b] -= p
                BO[b]['interest'][k] += p; rec(g, 'use_interest_shortfall_paid', k, p)
            if g == 1:
                p = min(wd_unreimb, XS); XS -= p; wd_unreimb -= p
                BO['1-B-1']['writedown_reimbursed'][k] = p; rec(g, 'use_writedown_reimbursement', k, p)
            for src in ('swap', 'excess'):
                for b in bs:
                    if src == 'swap': p = min(br_unp[b], rcv); rcv -= p
                    else: p = min(br_unp[b], XS); XS -= p
                    br_unp[b] -= p; BO[b]['basis_risk_paid'][k] += p; rec(g, f'use_basis_risk_{b}', k, p)
            rec(g, 'use_certificates', k, XS + rcv)
            for b in bs: BO[b]['basis_risk_unpaid'][k] = br_unp[b]
        # ---- phase 4: realized losses beyond OC -> 1-B-1 writedown (G1), then insurer draw for the seniors
        for g in (1, 2):
            bs = bonds_of[g]; pnow = W[g]['pnow']
            U = sum(bal[b] for b in bs) - pnow
            wd = draw = 0.0
            if U > TOL:
                if g == 1:
                    wd = min(U, bal['1-B-1']); bal['1-B-1'] -= wd; wd_unreimb += wd; U -= wd
                    BO['1-B-1']['writedown'][k] = wd
                s = senior[g]
                draw = min(max(U, 0.0), bal[s]); bal[s] -= draw; reimb_due[g] += draw
                BO[s]['principal'][k] += draw; BO[s]['insured_principal'][k] = draw
                rec(g, 'src_insurer_draws', k, draw); rec(g, f'use_principal_{s}', k, draw)
            # loss allocation and the OC identity
            loss = W[g]['loss']; own = min(loss, OCO[g]['build_own'][k]); oth = min(loss - own, OCO[g]['build_in'][k])
            lo = LO[g]; lo['realised'][k] = loss; lo['own_excess'][k] = own; lo['other_excess'][k] = oth
            lo['writedown'][k] = wd; lo['insurer'][k] = draw; lo['oc'][k] = loss - own - oth - wd - draw
            Bt = sum(bal[b] for b in bs); oc = pnow - Bt
            OCO[g]['pool'][k] = pnow; OCO[g]['bonds'][k] = Bt; OCO[g]['oc'][k] = oc
            exp_oc = W[g]['oc_prev'] - W[g]['pf_coll'] - loss + W[g]['prin_paid'] + wd + draw
            if abs(oc - exp_oc) > TOL * 4: raise LedgerError(f"group {g} period {k + 1}: OC {oc:.2f} != rolled OC {exp_oc:.2f}")
            if W[g]['fee_from_prin'] <= TOL and lo['oc'][k] < -TOL * 4:
                raise LedgerError(f"group {g} period {k + 1}: writedowns + draws {wd + draw:.2f} exceed the loss left after excess cash")
        # ---- phase 5: clean-up call
        if call_k is not None and k == call_k - 1:
            for g in (1, 2):
                bs = bonds_of[g]; cp = W[g]['pnow']; rec(g, 'src_call_proceeds', k, cp)
                for b in bs:
                    p = min(bal[b], cp); cp -= p; bal[b] -= p
                    BO[b]['principal'][k] += p; BO[b]['call_principal'][k] = p; rec(g, f'use_principal_{b}', k, p)
                p = min(reimb_due[g], cp); cp -= p; reimb_due[g] -= p; rec(g, 'use_insurer_reimbursement', k, p)
                if g == 1:
                    p = min(wd_unreimb, cp); cp -= p; wd_unreimb -= p
                    BO['1-B-1']['writedown_reimbursed'][k] += p; rec(g, 'use_writedown_reimbursement', k, p)
                rec(g, 'use_certificates', k, cp)
                OCO[g]['pool'][k] = 0.0; OCO[g]['bonds'][k] = sum(bal[b] for b in bs); OCO[g]['oc'][k] = -OCO[g]['bonds'][k]
        for b in D.classes: BO[b]['end_balance'][k] = bal[b]
        if (call_k is None and all(v < 1e-6 for v in bal.values()) and reimb_due[1] + reimb_due[2] + wd_unreimb + prem_due[1] + prem_due[2] < 1e-6
                and all(v < 1e-6 for v in br_unp.values()) and all(v < 1e-6 for v in isf_unp.values())):
            _tail(k + 1, n, C, LG, OCO, LO, carveout and carve_paid, carve_from); break
    return _finish(D, n, dates, BO, LG, afr, srate, OCO, SWO, LO, call_k, first_call, last)

def _tail(k0, n, C, LG, OCO, LO, carveout, carve_from):
    "After every bond and every amount owed is paid: collections less the carveout go to the certificates."
    for g in (1, 2):
        c, lg = C[g], LG[g]
        for k in range(k0, n):
            ni, pr, rc, pool = c['net_interest'][k], c['scheduled_principal'][k] + c['prepaid_principal'][k] + c['adv'][k], c['recovery'][k], c['pool'][k]
            cv = min(c['carve'][k], ni + pr + rc) if (carveout and k + 1 >= carve_from) else 0.0
            lg['src_net_interest'][k] = ni; lg['src_principal'][k] = pr; lg['src_recoveries'][k] = rc
            lg['use_surety_carveout'][k] = cv; lg['use_certificates'][k] = ni + pr + rc - cv
            OCO[g]['pool'][k] = OCO[g]['oc'][k] = pool; LO[g]['realised'][k] = LO[g]['oc'][k] = c['loss'][k]

def _ledger_names(bs):
    return (['src_net_interest', 'src_principal', 'src_recoveries', 'src_swap_receipts', 'src_insurer_draws', 'src_transfer_in',
             'src_call_proceeds', 'use_swap_payments', 'use_insurer_premium', 'use_surety_carveout']
            + [f'use_interest_{b}' for b in bs] + [f'use_principal_{b}' for b in bs] + [f'use_basis_risk_{b}' for b in bs]
            + ['use_insurer_reimbursement', 'use_interest_shortfall_paid', 'use_writedown_reimbursement', 'use_transfer_out',
               'use_certificates'])

def _pay_principal(bs, amount, bal, BO, k, sequential, rec):
    "Pay `amount` of principal to the classes `bs`, pro rata by balance (or sequentially), each capped at its balance."
    if amount <= 0: return
    tot = sum(bal[b] for b in bs)
    for i, b in enumerate(bs):
        if sequential: p = min(amount, bal[b])
        else: p = amount if i == len(bs) - 1 else amount * bal[b] / tot
        p = min(p, bal[b]); amount -= p; bal[b] -= p
        BO[b]['principal'][k] += p; rec(b, p)

def _frame(cols:dict, idx, dates=None, order=None):
    "A float frame from {name: list} in one block (fast), with an optional leading date column."
    names = list(order or cols)
    df = pd.DataFrame(np.array([cols[c] for c in names], float).T, index=idx, columns=names)
    if dates is not None: df.insert(0, 'date', dates)
    return df

def _finish(D, n, dates, BO, LG, afr, srate, OCO, SWO, LO, call_k, first_call, last):
    "Assemble the frames and assert every bookkeeping identity (raises `LedgerError`)."
    idx = pd.RangeIndex(1, n + 1, name='period')
    dcol = pd.Series(dates, index=idx, dtype=object)
    bonds = {}
    for b, cols in BO.items():
        df = _frame(cols, idx, dcol, BOND_COLUMNS[1:])
        roll = df.begin_balance.values - df.principal.values - df.writedown.values - df.end_balance.values
        bad = np.flatnonzero(np.abs(roll[:last]) > TOL)
        if len(bad): raise LedgerError(f"{b} period {bad[0] + 1}: begin - principal - writedown != end (off by {roll[bad[0]]:.4f})")
        tot = df.principal.values.sum() + df.writedown.values.sum() + df.end_balance.values[last - 1]
        if abs(tot - D.classes[b].balance) > 0.01: raise LedgerError(f"{b}: principal + writedowns + final balance {tot:.2f} != original {D.classes[b].balance}")
        if (df.end_balance.values < -TOL).any(): raise LedgerError(f"{b}: negative balance")
        bonds[b] = df
    ledger = {}
    for g in (1, 2):
        src = [c for c in LG[g] if c.startswith('src_')]; use = [c for c in LG[g] if c.startswith('use_')]
        a = np.array([LG[g][c] for c in src + use], float)
        tot_s, tot_u = a[:len(src)].sum(0), a[len(src):].sum(0)
        bad = np.flatnonzero(np.abs(tot_s - tot_u) > TOL)
        if len(bad): raise LedgerError(f"group {g} period {bad[0] + 1}: sources {tot_s[bad[0]]:.2f} != uses {tot_u[bad[0]]:.2f}")
        lg = pd.DataFrame(np.vstack([a, tot_s, tot_u]).T, index=idx, columns=src + use + ['sources', 'uses'])
        lg.insert(0, 'date', dcol)
        ledger[g] = lg
    losses = {g: _frame(LO[g], idx) for g in (1, 2)}
    for g in (1, 2):
        l = losses[g].values
        if abs(l[:, 0].sum() - l[:, 1:].sum()) > 0.01: raise LedgerError(f"group {g}: losses allocated != losses realised")
    return DealResult(bonds=bonds, ledger=ledger,
                      afr={g: pd.Series(afr[g], index=idx, name='afr') for g in (1, 2)},
                      schedule_rate={g: pd.Series(srate[g], index=idx, name='available_rate') for g in (1, 2)},
                      oc={g: _frame(OCO[g], idx, dcol) for g in (1, 2)},
                      swaps={g: _frame(SWO[g], idx, dcol) for g in (1, 2)},
                      losses=losses, call_period=call_k, first_call_period=first_call, dates=dates)
