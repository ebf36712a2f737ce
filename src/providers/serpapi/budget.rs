//! The SerpApi monthly search budget (UTC calendar month). With a store, each search takes
//! one unit in a single atomic database statement, so replicas sharing the database never
//! overspend together and a restart forgets nothing. Without one (or while the database is
//! unreachable) it counts in memory, per process.

use std::sync::{Arc, Mutex};

use chrono::{Datelike, Utc};

use crate::domain::ProviderKind;
use crate::providers::ProviderError;
use crate::providers::upstream_client::AttemptGate;
use crate::store::Store;

pub struct MonthlyBudget {
    limit: Option<u32>,
    store: Option<Arc<dyn Store>>,
    /// (year * 12 + month, searches spent in that month) for the in-memory count.
    spent: Mutex<(i32, u32)>,
}

impl MonthlyBudget {
    pub fn new(limit: Option<u32>, store: Option<Arc<dyn Store>>) -> Self {
        Self {
            limit,
            store,
            spent: Mutex::new((month_index(), 0)),
        }
    }

    fn spend_in_memory(&self) -> Result<(), ProviderError> {
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

    /// Takes one search from this month's budget, or says it is spent.
    pub async fn spend_one(&self) -> Result<(), ProviderError> {
        let Some(store) = &self.store else {
            return self.spend_in_memory();
        };
        let month = Utc::now().format("%Y-%m").to_string();
        match store
            .spend_budget(ProviderKind::Serpapi.as_str(), &month, self.limit.map(u64::from))
            .await
        {
            Ok(true) => Ok(()),
            Ok(false) => Err(ProviderError::BudgetExhausted(ProviderKind::Serpapi)),
            Err(err) => {
                tracing::warn!(error = %err, "budget store unavailable; counting this replica's searches in memory");
                self.spend_in_memory()
            }
        }
    }
}

#[async_trait::async_trait]
impl AttemptGate for MonthlyBudget {
    async fn before_attempt(&self) -> Result<(), ProviderError> {
        self.spend_one().await
    }
}

fn month_index() -> i32 {
    let now = Utc::now();
    now.year() * 12 + now.month0() as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_budget_refuses_the_search_after_its_limit() {
        let b = MonthlyBudget::new(Some(2), None);
        assert!(b.spend_one().await.is_ok());
        assert!(b.spend_one().await.is_ok());
        assert_eq!(
            b.spend_one().await,
            Err(ProviderError::BudgetExhausted(ProviderKind::Serpapi))
        );
    }

    #[tokio::test]
    async fn no_limit_means_no_cap() {
        let b = MonthlyBudget::new(None, None);
        for _ in 0..1000 {
            b.spend_one().await.unwrap();
        }
    }
}
