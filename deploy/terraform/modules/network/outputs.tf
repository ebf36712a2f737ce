output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "vpc_cidr" {
  description = "CIDR block of the VPC."
  value       = aws_vpc.this.cidr_block
}

output "public_subnet_ids" {
  description = "Public subnets (NAT gateways only)."
  value       = aws_subnet.public[*].id
}

output "private_subnet_ids" {
  description = "Private subnets (tasks, internal ALB, VPC link, data stores)."
  value       = aws_subnet.private[*].id
}

output "private_subnet_cidrs" {
  description = "CIDR blocks of the private subnets."
  value       = aws_subnet.private[*].cidr_block
}

output "nat_public_ips" {
  description = "Public egress IPs of the NAT gateways (what the upstream APIs see)."
  value       = aws_eip.nat[*].public_ip
}

output "flow_log_group_name" {
  description = "CloudWatch log group of the VPC flow logs."
  value       = aws_cloudwatch_log_group.flow_logs.name
}

output "nat_gateway_count" {
  description = "Number of NAT gateways (1 in the low-cost profile, one per AZ otherwise)."
  value       = length(aws_nat_gateway.this)
}

output "interface_endpoint_services" {
  description = "Services with an interface VPC endpoint."
  value       = sort(keys(aws_vpc_endpoint.interface))
}
