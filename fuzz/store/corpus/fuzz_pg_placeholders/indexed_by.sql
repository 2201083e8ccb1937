SELECT seq FROM audit_record INDEXED BY audit_record_by_time WHERE chain = ? AND time < ? AND note = 'INDEXED BY x' -- INDEXED BY y
