"""No admin pages: tenant-owned rows are managed through the app's own pages, where the
organisation scope and the permission rules apply (the admin site has neither)."""
