//! Paging of the two history calls: reading `pageNo`/`pageSize` and cutting
//! one page out of a list that is already newest first.

use std::collections::HashMap;

use crate::ncloud::model::Paging;

use super::validate::PAGE_SIZE_MAX;

/// The page a client asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// The page, counted from 1.
    pub page_no: i64,
    /// Entries per page, from 1 to [`PAGE_SIZE_MAX`].
    pub page_size: i64,
}

impl PageRequest {
    /// Reads the query's `pageNo` (default 1) and `pageSize` (default 10).
    /// The limits are the documented defaults; the upper bound of 100 is the
    /// emulator's choice, the real one is not documented.
    pub fn from_query(query: &HashMap<String, String>) -> Result<Self, String> {
        let page_no = number(query, "pageNo", 1)?;
        let page_size = number(query, "pageSize", 10)?;
        if page_no < 1 {
            return Err(format!("pageNo {page_no} is invalid: it must be 1 or more"));
        }
        if !(1..=PAGE_SIZE_MAX).contains(&page_size) {
            return Err(format!(
                "pageSize {page_size} is invalid: it must be from 1 to {PAGE_SIZE_MAX}"
            ));
        }
        Ok(Self { page_no, page_size })
    }

    /// Cuts this page out of `items` and describes where it stands.
    pub fn cut<T: Clone>(&self, items: &[T]) -> (Paging, Vec<T>) {
        let total = items.len() as i64;
        let total_page = (total + self.page_size - 1) / self.page_size;
        let start = (self.page_no - 1).saturating_mul(self.page_size);
        let page: Vec<T> = items
            .iter()
            .skip(usize::try_from(start).unwrap_or(usize::MAX))
            .take(usize::try_from(self.page_size).unwrap_or(0))
            .cloned()
            .collect();
        let paging = Paging {
            current_page: self.page_no,
            is_first: self.page_no == 1,
            is_last: self.page_no >= total_page,
            page_size: self.page_size,
            total_count: total,
            total_page,
        };
        (paging, page)
    }
}

fn number(query: &HashMap<String, String>, key: &str, default: i64) -> Result<i64, String> {
    match query.get(key).map(|value| value.trim()) {
        None | Some("") => Ok(default),
        Some(value) => value
            .parse()
            .map_err(|_| format!("{key} {value:?} is invalid: it must be a whole number")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_are_page_one_of_ten() {
        let request = PageRequest::from_query(&query(&[])).unwrap();
        assert_eq!(
            request,
            PageRequest {
                page_no: 1,
                page_size: 10
            }
        );
    }

    #[test]
    fn bad_values_are_refused() {
        for pairs in [
            [("pageSize", "0")],
            [("pageSize", "101")],
            [("pageSize", "ten")],
            [("pageNo", "0")],
            [("pageNo", "-2")],
            [("pageNo", "1.5")],
        ] {
            assert!(
                PageRequest::from_query(&query(&pairs)).is_err(),
                "{pairs:?}"
            );
        }
        assert!(PageRequest::from_query(&query(&[("pageSize", "100")])).is_ok());
    }

    #[test]
    fn pages_cut_and_flag_first_and_last() {
        let items: Vec<i32> = (1..=25).collect();
        let cases = [
            (1, 10, vec![1, 2, 3, 4, 5, 6, 7, 8, 9, 10], true, false),
            (3, 10, vec![21, 22, 23, 24, 25], false, true),
            (4, 10, vec![], false, true),
            (2, 20, vec![21, 22, 23, 24, 25], false, true),
        ];
        for (page_no, page_size, expected, first, last) in cases {
            let (paging, page) = PageRequest { page_no, page_size }.cut(&items);
            assert_eq!(page, expected, "page {page_no} of {page_size}");
            assert_eq!((paging.is_first, paging.is_last), (first, last));
            assert_eq!(paging.total_count, 25);
            assert_eq!(paging.total_page, (25 + page_size - 1) / page_size);
        }
    }

    #[test]
    fn an_empty_list_is_one_first_and_last_page() {
        let (paging, page) = PageRequest {
            page_no: 1,
            page_size: 10,
        }
        .cut::<i32>(&[]);
        assert!(page.is_empty());
        assert!(paging.is_first && paging.is_last);
        assert_eq!((paging.total_count, paging.total_page), (0, 0));
    }
}
