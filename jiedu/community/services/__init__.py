"""Every write to a community case. One module per concern; callers import the module:

- `cases`      — the case follows its measure; worker assignment and caseload
- `team`       — the work team and the agreement (社区戒毒/康复协议), change of place
- `schedule`   — plans, due items over the term, random draws, contacts (talks, visits)
- `drug_tests` — tests, A/B bottles, objections, hair windows
- `absences`   — leave requests and absences
- `violations` — serious-breach detection and referrals to the police
- `credit`     — credit points, tiers and risk classes
- `common`     — helpers they share
"""
