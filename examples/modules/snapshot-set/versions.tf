terraform {
  required_version = ">= 1.0"

  required_providers {
    ncloud = {
      source  = "ncloud-rs/ncloud"
      version = ">= 0.1.0"
    }
  }
}
