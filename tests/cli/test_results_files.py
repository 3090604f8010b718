"""Reading an actuals file (cli/results.py `load_actuals`): the CSV's rows by column name,
numbered by their row in the file, so the API's answer can name the row to fix."""

from __future__ import annotations

import pytest

from cli.errors import CliError
from cli.results import load_actuals


def test_csv_rows_by_column_name_with_their_file_rows(tmp_path):
    f = tmp_path / "actuals.csv"
    f.write_text("gmv,note,campaign_id,date,orders,traffic,gross_profit\n"
                 "3000.5, a ,campaign-food-1,2026-09-01,30,1000,600\n"
                 "\n"                                   # skipped, not counted
                 "12,,campaign-food-1, 2026-09-02 ,2.0,x\n"  # short: no gross_profit
                 "1e3,,campaign-food-2,2026-09-01,-1,5,1,surplus\n", encoding="utf-8")
    assert load_actuals(f) == [
        (2, {"campaign_id": "campaign-food-1", "date": "2026-09-01", "traffic": 1000, "orders": 30,
             "gmv": 3000.5, "gross_profit": 600.0}),
        (3, {"campaign_id": "campaign-food-1", "date": "2026-09-02", "traffic": "x", "orders": 2,
             "gmv": 12.0, "gross_profit": ""}),
        (4, {"campaign_id": "campaign-food-2", "date": "2026-09-01", "traffic": 5, "orders": -1,
             "gmv": 1000.0, "gross_profit": 1.0}),
    ]


def test_csv_without_a_column_is_refused_naming_it(tmp_path):
    f = tmp_path / "actuals.csv"
    f.write_text("campaign_id,date,traffic,gmv\ncampaign-food-1,2026-09-01,1,2\n", encoding="utf-8")
    with pytest.raises(CliError) as err:
        load_actuals(f)
    assert err.value.code == "bad_file" and "missing columns orders, gross_profit" in str(err.value)


def test_csv_money_columns_are_read_when_present_and_an_empty_field_is_not_stated(tmp_path):
    f = tmp_path / "actuals.csv"
    f.write_text("paid_traffic,campaign_id,date,traffic,orders,gmv,gross_profit,promotion_cost\n"
                 "200,campaign-food-1,2026-09-01,1000,30,3000,600,1500.5\n"
                 ",campaign-food-1,2026-09-02,1000,30,3000,600,900\n"
                 ",campaign-food-1,2026-09-03,1000,30,3000,600,\n"
                 "-5,campaign-food-1,2026-09-04,1000,30,3000,600,lots\n", encoding="utf-8")
    day = {"campaign_id": "campaign-food-1", "traffic": 1000, "orders": 30, "gmv": 3000.0, "gross_profit": 600.0}
    assert load_actuals(f) == [
        (2, {**day, "date": "2026-09-01", "promotion_cost": 1500.5, "paid_traffic": 200.0}),
        (3, {**day, "date": "2026-09-02", "promotion_cost": 900.0}),
        (4, {**day, "date": "2026-09-03"}),
        (5, {**day, "date": "2026-09-04", "promotion_cost": "lots", "paid_traffic": -5.0}),  # the API names them
    ]
    only_cost = tmp_path / "cost.csv"  # one money column alone: the other is never stated
    only_cost.write_text("campaign_id,date,traffic,orders,gmv,gross_profit,promotion_cost\n"
                         "campaign-food-1,2026-09-01,1000,30,3000,600,10\n", encoding="utf-8")
    assert load_actuals(only_cost) == [(2, {**day, "date": "2026-09-01", "promotion_cost": 10.0})]
