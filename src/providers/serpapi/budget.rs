//! The SerpApi monthly search budget, counted in memory per UTC calendar month.
//! (Persisted by the store once API management lands.)

use std::sync::Mutex;

use chrono::{Datelike, Utc};

use crate::domain::ProviderKind;
use crate::providers::ProviderError;

#[derive(Debug)]
pub struct MonthlyBudget {
    limit: Option<u32>,
    /// (year * 12 + month, searches spent in that month)
    spent: Mutex<(i32, u32)>,
}

impl MonthlyBudget {
    pub fn new(limit: Option<u32>) -> Self {
        Self {
            limit,
            spent: Mutex::new((month_index(), 0)),
        }
    }

    /// Takes one search from this month's budget, or says it is spent.
    pub fn spend_one(&self) -> Result<(), ProviderError> {
        let mut spent = self.spent.lock().expect("budget lock poisoned");
        let month = month_index();
        if spent.0 != month {
            *spent = (month, 0);
        }
        if self.limit.is_some_and(|limit| spent.1 >= limit) {
            return Err(ProviderError::BudgetExhausted(ProviderKind::Serpapi));
        }
        spent.1 += 1;
        Ok(())
    }

    /// (spent, limit) this month.
    pub fn usage(&self) -> (u32, Option<u32>) {
        let spent = self.spent.lock().expect("budget lock poisoned");
        (if spent.0 == month_index() { spent.1 } else { 0 }, self.limit)
    }
}

fn month_index() -> i32 {
    let now = Utc::now();
    now.year() * 12 + now.month0() as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_refuses_the_search_after_its_limit() {
        let b = MonthlyBudget::new(Some(2));
        assert!(b.spend_one().is_ok());
        assert!(b.spend_one().is_ok());
        assert_eq!(
            b.spend_one(),
            Err(ProviderError::BudgetExhausted(ProviderKind::Serpapi))
        );
        assert_eq!(b.usage(), (2, Some(2)));
    }

    #[test]
    fn no_limit_means_no_cap() {
        let b = MonthlyBudget::new(None);
        for _ in 0..1000 {
            b.spend_one().unwrap();
        }
        assert_eq!(b.usage(), (1000, None));
    }
}
